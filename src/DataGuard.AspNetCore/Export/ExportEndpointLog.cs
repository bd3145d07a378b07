using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using DataGuard.Postgres.Export;
using Npgsql;

namespace DataGuard.AspNetCore.Export;

/// <summary>
/// Log messages of the export endpoints (event ids 1900-1999). Subjects' keys are personal data and never logged: a
/// failure is logged by its operation, exception types and SQLSTATE, never by the exception itself or its message (the
/// messages of PostgreSQL and of DataGuard quote the values they refused, such as a subject's key); only a configuration
/// error's message, which names keys, tables and columns, is logged.
/// </summary>
internal static partial class ExportEndpointLog
{
    public static void Failed(ILogger logger, string endpoint, Exception exception)
    {
        var sqlState = Chain(exception).OfType<PostgresException>().Select(e => e.SqlState).FirstOrDefault() ?? "none";
        var operation = Chain(exception).OfType<DataGuardException>().Select(e => e.Operation).FirstOrDefault(o => o is not null) ?? "none";

        // A configuration error (Export:Subject, Export:Links, Export:Strict) names only keys, tables and columns: its message is the fix.
        var reason = exception is ExportRefusedException || (exception is DataGuardException { Operation: SubjectDataMapBuilder.ConfigurationOperation } && exception.InnerException is null)
            ? exception.Message
            : "the message is not logged: it may quote a subject's key";
        Failed(logger, endpoint, string.Join(" <- ", Chain(exception).Select(e => e.GetType().FullName)), sqlState, operation, reason);
    }

    [LoggerMessage(DataGuardEventIds.AspNetCoreExportEndpointFailed, LogLevel.Warning, "Export endpoint {Endpoint} failed: {ExceptionTypes} (SQLSTATE {SqlState}, operation {Operation}): {Reason}")]
    private static partial void Failed(ILogger logger, string endpoint, string exceptionTypes, string sqlState, string operation, string reason);

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
