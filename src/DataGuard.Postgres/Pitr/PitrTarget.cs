using DataGuard.Pitr;
namespace DataGuard.Postgres.Pitr;

/// <summary>Where point-in-time recovery stops.</summary>
/// <param name="Kind">Latest, a time, a WAL position or a named restore point.</param>
/// <param name="Time">The time, for <see cref="PitrTargetKind.Time"/>.</param>
/// <param name="Value">The LSN or the restore point's name.</param>
internal sealed record PitrTarget(PitrTargetKind Kind, DateTimeOffset? Time = null, string? Value = null)
{
    /// <summary>Gets the target that replays all archived WAL.</summary>
    public static PitrTarget Latest { get; } = new(PitrTargetKind.Latest);

    /// <summary>Creates a time target.</summary>
    /// <param name="time">The time (inclusive).</param>
    /// <returns>The target.</returns>
    public static PitrTarget AtTime(DateTimeOffset time) => new(PitrTargetKind.Time, time);

    /// <summary>Creates a WAL position target.</summary>
    /// <param name="lsn">The position, <c>X/Y</c>.</param>
    /// <returns>The target.</returns>
    public static PitrTarget AtLsn(string lsn)
    {
        Lsn.Parse(lsn);
        return new(PitrTargetKind.Lsn, null, lsn);
    }

    /// <summary>Creates a named restore point target.</summary>
    /// <param name="name">The restore point's name.</param>
    /// <returns>The target.</returns>
    public static PitrTarget AtRestorePoint(string name) => new(PitrTargetKind.Name, null, name);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        PitrTargetKind.Time => $"time {Time:O}",
        PitrTargetKind.Lsn => $"LSN {Value}",
        PitrTargetKind.Name => $"restore point '{Value}'",
        _ => "the end of the archived WAL",
    };
}
