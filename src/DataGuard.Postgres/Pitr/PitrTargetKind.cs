namespace DataGuard.Postgres.Pitr;

/// <summary>The kinds of recovery target.</summary>
internal enum PitrTargetKind
{
    /// <summary>Replay every archived WAL file.</summary>
    Latest,

    /// <summary>Stop at a time.</summary>
    Time,

    /// <summary>Stop at a WAL position.</summary>
    Lsn,

    /// <summary>Stop at a named restore point.</summary>
    Name,
}
