using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using DataGuard.Backup.ParallelDump;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Tests.Backup;

public sealed class BackupHeartbeatTests
{
    [Fact]
    public async Task A_heartbeat_the_storage_refuses_is_logged_as_a_warning_with_the_storage_error()
    {
        var storage = new RefusingStorage();
        var logger = new CapturingLogger();

        var heartbeat = await BackupHeartbeat.StartAsync(storage, "20261130T000000Z-logical-abc123", TimeSpan.FromMilliseconds(200), TimeProvider.System, logger, CancellationToken.None);
        await using (heartbeat)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (logger.Entries.IsEmpty && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        Assert.NotEmpty(logger.Entries);
        var entry = logger.Entries.First();
        Assert.Equal(DataGuardEventIds.BackupHeartbeatFailed, entry.EventId);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("backups/20261130T000000Z-logical-abc123/running-1.json", entry.Message, StringComparison.Ordinal);
        Assert.Contains("No space left on device", entry.Exception!.Message, StringComparison.Ordinal);
    }

    private sealed record Entry(int EventId, LogLevel Level, string Message, Exception? Exception);

    private sealed class CapturingLogger : ILogger
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue(new Entry(eventId.Id, logLevel, formatter(state, exception), exception));
    }

    /// <summary>Takes the first heartbeat, then refuses every write as a full disk would.</summary>
    private sealed class RefusingStorage : IBackupStorage
    {
        private int _writes;

        public string ProviderName => "test";

        public string Location => "test://";

        public Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _writes) == 1
                ? Task.FromResult(new StorageWriteResult(key, content.Length, new string('0', 64)))
                : throw new IOException($"Writing {key}: No space left on device");

        public Task<Stream> OpenReadAsync(string key, StorageByteRange? range = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }

        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(true);

        public Task<int> DeleteManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) => Task.FromResult(0);

        public Task<Uri> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StorageProbeResult> ProbeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
