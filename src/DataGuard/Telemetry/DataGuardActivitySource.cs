using System.Diagnostics;

namespace DataGuard.Telemetry;

/// <summary>
/// The <see cref="ActivitySource"/> named <c>DataGuard</c> (versioned as the DataGuard assembly) that every DataGuard
/// span comes from, in every package: a host traces them with OpenTelemetry's <c>AddSource("DataGuard")</c>. Span names
/// are <c>dataguard.&lt;feature&gt;.&lt;operation&gt;</c>; attributes are OpenTelemetry's semantic conventions where they
/// apply (<c>db.system.name</c>, <c>db.namespace</c>, <c>server.address</c>, <c>server.port</c>, <c>error.type</c>,
/// <c>db.response.status_code</c>) and DataGuard's own in the <c>dataguard.*</c> namespace. docs/operations.md lists them.
/// </summary>
/// <remarks>
/// No attribute, status or exception event carries a password, a connection string, a subject's key or a legal hold's
/// value. Spans of operations that read or write row contents (exports, retention, restores, drills) are started with
/// <see cref="StartPersonal"/>: a failure on them, or on any span below them, records the exception's type and stack
/// frames but withholds its message, because PostgreSQL and the pg tools quote row values in their errors (the message is
/// still in DataGuard's log, its audit trail and the CLI's output, which stay inside the deployment).
/// </remarks>
internal static class DataGuardActivitySource
{
    /// <summary>The source's name.</summary>
    public const string Name = "DataGuard";

    /// <summary>The custom property that marks a span whose failures may quote personal data.</summary>
    internal const string PersonalDataProperty = "dataguard.personal_data";

    /// <summary>Gets the source.</summary>
    public static ActivitySource Source { get; } = new(Name, typeof(DataGuardActivitySource).Assembly.GetName().Version?.ToString());

    /// <summary>Gets <see cref="Activity.Current"/> when it is a DataGuard span (never a host's span, which DataGuard must not tag).</summary>
    public static Activity? Current => Activity.Current is { } current && ReferenceEquals(current.Source, Source) ? current : null;

    /// <summary>Starts a span, or returns <see langword="null"/> when nobody listens.</summary>
    /// <param name="name">The span's name, such as <c>dataguard.backup.run</c>.</param>
    /// <param name="kind">The span's kind.</param>
    /// <returns>The span; dispose it to end it.</returns>
    public static Activity? Start(string name, ActivityKind kind = ActivityKind.Internal) => Source.StartActivity(name, kind);

    /// <summary>
    /// Starts a span at a time already past (a step that is known to deserve a span only once it has ended, such as a
    /// claim that found a job).
    /// </summary>
    /// <param name="name">The span's name.</param>
    /// <param name="startTime">When it started.</param>
    /// <returns>The span; dispose it to end it.</returns>
    public static Activity? StartAt(string name, DateTimeOffset startTime) =>
        Source.StartActivity(name, ActivityKind.Internal, parentContext: default, startTime: startTime);

    /// <summary>Starts a span of an operation that reads or writes row contents: failures below it withhold their messages.</summary>
    /// <param name="name">The span's name.</param>
    /// <returns>The span; dispose it to end it.</returns>
    public static Activity? StartPersonal(string name)
    {
        var activity = Source.StartActivity(name, ActivityKind.Internal);
        activity?.SetCustomProperty(PersonalDataProperty, true);
        return activity;
    }
}
