using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DataGuard.AspNetCore.Export;

/// <summary>
/// Log messages of the export endpoints (event ids 1900-1999). Subjects' keys are personal data and never logged: a
/// failure is logged by its operation, exception types and SQLSTATE, never by its message or the exception itself (the
/// messages of PostgreSQL and of DataGuard quote the values they refused, such as a subject's key).
/// </summary>
internal static partial class ExportEndpointLog
{
    public static void Failed(ILogger logger, string endpoint, Exception exception)
    {
        var sqlState = Chain(exception).OfType<PostgresException>().Select(e => e.SqlState).FirstOrDefault() ?? "none";
        var operation = Chain(exception).OfType<DataGuardException>().Select(e => e.Operation).FirstOrDefault(o => o is not null) ?? "none";
        Failed(logger, endpoint, string.Join(" <- ", Chain(exception).Select(e => e.GetType().FullName)), sqlState, operation);
    }

    [LoggerMessage(DataGuardEventIds.AspNetCoreExportEndpointFailed, LogLevel.Warning, "Export endpoint {Endpoint} failed: {ExceptionTypes} (SQLSTATE {SqlState}, operation {Operation}); the message is not logged because it may quote a subject's key")]
    private static partial void Failed(ILogger logger, string endpoint, string exceptionTypes, string sqlState, string operation);

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
