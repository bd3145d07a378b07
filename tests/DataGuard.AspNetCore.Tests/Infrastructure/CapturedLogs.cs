using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DataGuard.AspNetCore.Tests.Infrastructure;

/// <summary>Keeps every log message of a test host (Information and above), with its exception as a console logger prints it, to check warnings and leaks.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Messages.Enqueue((logLevel, eventId, exception is null ? formatter(state, exception) : $"{formatter(state, exception)} | {exception}"));
    }
}
