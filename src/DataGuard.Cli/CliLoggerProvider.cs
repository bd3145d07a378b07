using Microsoft.Extensions.Logging;

namespace DataGuard.Cli;

/// <summary>
/// Writes log lines to the CLI's standard error writer, one line each (<c>warn: Category[id] message</c>), with secrets
/// scrubbed. Synchronous, so nothing is lost when the process exits right after a command.
/// </summary>
internal sealed class CliLoggerProvider(TextWriter writer, IReadOnlyList<string> secrets, bool verbose) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new CliLogger(this, categoryName);

    public void Dispose()
    {
        lock (_gate)
        {
            writer.Flush();
        }
    }

    private void Write(string category, LogLevel level, EventId eventId, string message, Exception? exception)
    {
        var line = $"{Label(level)}: {category}[{eventId.Id}] {message}";
        if (exception is not null)
        {
            line += verbose ? Environment.NewLine + exception : $" ({exception.GetType().Name}: {exception.Message})";
        }

        line = CliSecrets.Scrub(line, secrets);
        lock (_gate)
        {
            writer.WriteLine(line);
        }
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class CliLogger(CliLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(category, logLevel, eventId, formatter(state, exception), exception);
            }
        }
    }
}
