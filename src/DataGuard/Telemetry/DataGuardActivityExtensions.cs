using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DataGuard.Telemetry;

/// <summary>How DataGuard's spans record failures and the database they talk to (OpenTelemetry semantic conventions).</summary>
internal static class DataGuardActivityExtensions
{
    /// <summary>What a withheld exception message says instead.</summary>
    internal const string WithheldMessage = "withheld: this operation handles personal data (the message is in DataGuard's log and audit trail)";

    /// <summary>
    /// Marks the span failed: status Error, <c>error.type</c> (the exception's type), <c>db.response.status_code</c> (the
    /// SQLSTATE, when a database error is the cause) and an exception event. Under a span started with
    /// <see cref="DataGuardActivitySource.StartPersonal"/> the message is withheld.
    /// </summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="exception">The failure.</param>
    public static void Fail(this Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        var withhold = HandlesPersonalData(activity);
        activity.SetStatus(ActivityStatusCode.Error, withhold ? exception.GetType().Name : exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
        if (SqlStateOf(exception) is { } sqlState)
        {
            activity.SetTag("db.response.status_code", sqlState);
        }

        if (withhold)
        {
            activity.AddException(exception, new TagList
            {
                { "exception.message", WithheldMessage },
                { "exception.stacktrace", FramesOnly(exception) },
            });
        }
        else
        {
            activity.AddException(exception);
        }
    }

    /// <summary>Marks the span failed without an exception (the work ended and reported a failure).</summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="errorType">A short, stable description of the kind of failure, such as <c>check_failed</c>.</param>
    /// <param name="description">What failed, without personal data or secrets.</param>
    public static void Fail(this Activity? activity, string errorType, string description)
    {
        activity?.SetStatus(ActivityStatusCode.Error, description);
        activity?.SetTag("error.type", errorType);
    }

    /// <summary>Marks the span as handling personal data (failures below it withhold their messages).</summary>
    /// <param name="activity">The span, if any.</param>
    /// <returns>The span.</returns>
    public static Activity? HandlingPersonalData(this Activity? activity)
    {
        activity?.SetCustomProperty(DataGuardActivitySource.PersonalDataProperty, true);
        return activity;
    }

    /// <summary>Tags the PostgreSQL database a span talks to: <c>db.system.name</c>, <c>db.namespace</c>, <c>server.address</c>, <c>server.port</c>.</summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="database">The database's name.</param>
    /// <param name="host">The server's host (or socket directory).</param>
    /// <param name="port">The server's port.</param>
    /// <returns>The span.</returns>
    public static Activity? SetDatabase(this Activity? activity, string? database, string? host, int? port)
    {
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("db.system.name", "postgresql");
        if (!string.IsNullOrEmpty(database))
        {
            activity.SetTag("db.namespace", database);
        }

        if (!string.IsNullOrEmpty(host))
        {
            activity.SetTag("server.address", host);
        }

        if (port is { } p)
        {
            activity.SetTag("server.port", p);
        }

        return activity;
    }

    /// <summary>Tags the PostgreSQL database a span talks to from a database name and a <c>host:port</c> description.</summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="database">The database's name.</param>
    /// <param name="server">The server, as <c>host:port</c>.</param>
    /// <returns>The span.</returns>
    public static Activity? SetDatabase(this Activity? activity, string? database, string? server)
    {
        if (activity is null || string.IsNullOrEmpty(server))
        {
            return activity.SetDatabase(database, null, null);
        }

        var colon = server.LastIndexOf(':');
        return colon > 0 && int.TryParse(server.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? activity.SetDatabase(database, server[..colon], port)
            : activity.SetDatabase(database, server, null);
    }

    private static bool HandlesPersonalData(Activity activity)
    {
        for (var current = activity; current is not null; current = current.Parent)
        {
            if (current.GetCustomProperty(DataGuardActivitySource.PersonalDataProperty) is true)
            {
                return true;
            }
        }

        return false;
    }

    private static string? SqlStateOf(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DbException { SqlState: { Length: > 0 } sqlState })
            {
                return sqlState;
            }
        }

        return null;
    }

    /// <summary>The exception's type and stack frames, and those of its inner exceptions: no message.</summary>
    private static string FramesOnly(Exception exception)
    {
        var text = new StringBuilder();
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (text.Length > 0)
            {
                text.AppendLine(" ---> (inner exception)");
            }

            text.AppendLine(current.GetType().FullName);
            if (current.StackTrace is { } frames)
            {
                text.AppendLine(frames);
            }
        }

        return text.ToString();
    }
}
