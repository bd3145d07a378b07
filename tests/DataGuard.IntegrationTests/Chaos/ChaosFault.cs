namespace DataGuard.IntegrationTests.Chaos;

/// <summary>What the chaos suite does to an operation in flight.</summary>
public enum ChaosFault
{
    /// <summary>SIGKILL of the DataGuard process (no cleanup, no finally blocks; its pg_dump / pg_restore children see a broken pipe).</summary>
    KillDataGuard,

    /// <summary>PostgreSQL stopped with <c>pg_ctl stop -m immediate</c> (a crash: no checkpoint, every connection cut), started again afterwards.</summary>
    StopPostgres,

    /// <summary>The S3 server killed (every connection cut, new ones reset), started again on the same port and data afterwards.</summary>
    StopS3,

    /// <summary>Every connection open to S3 at that instant reset (a network blip, a load balancer dropping connections); the server stays up.</summary>
    ResetS3Connections,
}
