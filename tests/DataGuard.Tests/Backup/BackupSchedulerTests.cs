using System.Collections.Concurrent;
using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataGuard.Tests.Backup;

public sealed class BackupSchedulerTests
{
    [Fact]
    public async Task A_host_without_a_backup_provider_does_not_attempt_scheduled_backups()
    {
        // A host that only runs retention, exports or drills (no AddPostgresBackups): the schedule's default (03:00) and
        // the missed-slot check at start-up must not try a backup that has no provider and fail it every night.
        var root = Directory.CreateTempSubdirectory("dataguard-scheduler-");
        try
        {
            var logs = new CapturingLoggerProvider();
            var services = new ServiceCollection();
            services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
            services.AddDataGuard();
            services.Configure<StorageOptions>(o => o.FileSystem.Root = root.FullName);
            await using var provider = services.BuildServiceProvider();
            var scheduler = provider.GetRequiredService<BackupScheduler>();

            await scheduler.StartAsync(CancellationToken.None);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!logs.Entries.Any(e => e.EventId == DataGuardEventIds.BackupScheduleWithoutProvider) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            await scheduler.StopAsync(CancellationToken.None);

            var said = Assert.Single(logs.Entries, e => e.EventId == DataGuardEventIds.BackupScheduleWithoutProvider);
            Assert.Contains("logical", said.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
            Assert.DoesNotContain(logs.Entries, e => e.EventId == DataGuardEventIds.BackupStarted);
            Assert.DoesNotContain(root.EnumerateFileSystemInfos("*", SearchOption.AllDirectories), f => f is FileInfo);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private sealed record Entry(int EventId, LogLevel Level, string Message);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<Entry> _entries = new();

        public IReadOnlyCollection<Entry> Entries => _entries.ToArray();

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new Entry(eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
