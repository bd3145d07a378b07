using System.Diagnostics;
using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.IntegrationTests.Telemetry;
using DataGuard.Storage;
using DataGuard.Telemetry;
using DataGuard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// A backup's verification decodes the stored bytes while they are written, then reads the stored object back
/// (size and SHA-256): storages that store, report or read other bytes than they were given must still fail it.
/// </summary>
public sealed class VerifyWhileWritingTests : IDisposable
{
    private readonly string _tools = Path.Combine(Path.GetTempPath(), $"dataguard-verify-tools-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_tools))
        {
            Directory.Delete(_tools, recursive: true);
        }
    }

    [Theory]
    [InlineData("Zstd", false)]
    [InlineData("Zstd", true)]
    [InlineData("None", false)]
    [InlineData("None", true)]
    public async Task A_verified_backup_was_decoded_while_written_and_read_back(string compression, bool encrypted)
    {
        await using var harness = await BackupHarness.CreateAsync(configure: o =>
        {
            o.Backup.Compression.Algorithm = compression;
            if (encrypted)
            {
                o.Backup.Encryption.KeyId = "k1";
                o.Backup.Encryption.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            }
        });
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 200);

        var manifest = await harness.Backups.RunAsync();

        Assert.Equal(BackupStatus.Verified, manifest.Status);
        Assert.Contains($"{manifest.RawSize} bytes while it was written, then read back", manifest.Verification!.Detail, StringComparison.Ordinal);
        Assert.Equal(encrypted, manifest.Verification.Detail.Contains("decrypted", StringComparison.Ordinal));
        Assert.True(manifest.Verification.ArchiveEntries > 10, manifest.Verification.Detail);

        // The full verification reading the stored archive again agrees, entry for entry.
        var again = await harness.Backups.VerifyAsync(manifest.Id);
        Assert.Equal(BackupStatus.Verified, again.Status);
        Assert.Equal(manifest.Verification.ArchiveEntries, again.Verification!.ArchiveEntries);
    }

    [Fact]
    public async Task A_storage_that_stores_other_bytes_than_it_reports_fails_verification()
    {
        await using var harness = await BackupHarness.CreateAsync(wrapStorage: inner => new AlteringStorage(inner, Alteration.FlipReportOriginal));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 200);

        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RunAsync());

        Assert.Contains("was stored but failed verification", ex.Message, StringComparison.Ordinal);
        var recorded = Assert.Single((await harness.Backups.GetCatalogAsync()).Backups);
        Assert.Equal(BackupStatus.VerificationFailed, recorded.Status);
        Assert.Contains("SHA-256", recorded.Verification!.Detail, StringComparison.Ordinal);
        Assert.Contains("the archive was changed or corrupted", recorded.Verification.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_storage_that_alters_what_it_was_given_and_reports_what_it_stored_fails_verification()
    {
        await using var harness = await BackupHarness.CreateAsync(wrapStorage: inner => new AlteringStorage(inner, Alteration.FlipReportStored));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 200);

        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RunAsync());

        Assert.Contains("was stored but failed verification", ex.Message, StringComparison.Ordinal);
        var recorded = Assert.Single((await harness.Backups.GetCatalogAsync()).Backups);
        Assert.Equal(BackupStatus.VerificationFailed, recorded.Status);
        Assert.Contains("but it was given", recorded.Verification!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_storage_that_drops_the_tail_fails_verification_with_both_sizes()
    {
        await using var harness = await BackupHarness.CreateAsync(wrapStorage: inner => new AlteringStorage(inner, Alteration.DropTail));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 200);

        await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RunAsync());

        var recorded = Assert.Single((await harness.Backups.GetCatalogAsync()).Backups);
        Assert.Equal(BackupStatus.VerificationFailed, recorded.Status);
        Assert.Contains($"the stored archive has {recorded.StoredSize - 7} bytes, the manifest says {recorded.StoredSize}", recorded.Verification!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_storage_that_stops_reading_early_fails_the_backup_and_lists_none(bool verify)
    {
        await using var harness = await BackupHarness.CreateAsync(configure: o => o.Backup.VerifyAfterBackup = verify, wrapStorage: inner => new AlteringStorage(inner, Alteration.StopEarly));
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 2000);

        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => harness.Backups.RunAsync()).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Contains("before reading its content to the end", ex.ToString(), StringComparison.Ordinal);
        var catalog = await harness.Backups.GetCatalogAsync();
        Assert.Empty(catalog.Backups);
        Assert.Empty(catalog.Orphans);
    }

    [Fact]
    public async Task A_verification_span_lasts_its_verification_for_backup_verify_and_for_the_run()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 300);
        using var capture = new TelemetryCapture(harness.Services.GetRequiredService<DataGuardMetrics>());

        var manifest = await harness.Backups.RunAsync();
        var verified = await harness.Backups.VerifyAsync(manifest.Id);

        var spans = capture.Named("dataguard.backup.verify").OrderBy(span => span.StartTimeUtc).ToList();
        Assert.Equal(2, spans.Count);
        Assert.True(spans[0].StartTimeUtc + spans[0].Duration >= manifest.Verification!.VerifiedAt.UtcDateTime, "the run's verification span lasts until its verdict");
        Assert.True(spans[1].StartTimeUtc + spans[1].Duration >= verified.Verification!.VerifiedAt.UtcDateTime, "backup verify's span lasts until its verdict");
        Assert.Equal(["while_writing", "read_back"], capture.Measured("dataguard.backup.verify.duration").Select(m => (string?)m.Tag("dataguard.backup.verify.mode")));
        Assert.All(spans, span =>
        {
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
            Assert.Equal(true, span.GetTagItem("dataguard.backup.verified"));
            Assert.Equal(verified.Verification!.ArchiveEntries, span.GetTagItem("dataguard.backup.entries"));

            // The span ends with its verification: the storage read and pg_restore --list happen inside it.
            Assert.Single(capture.ChildrenOf(span, "dataguard.storage.read"));
            Assert.True(capture.ChildrenOf(span, "dataguard.storage.read").Single().StartTimeUtc + capture.ChildrenOf(span, "dataguard.storage.read").Single().Duration <= span.StartTimeUtc + span.Duration, "the read ends inside the span");
        });
        Assert.Equal(2, capture.Measured("dataguard.backup.verifications").Count(m => (string?)m.Tag("dataguard.outcome") == "passed"));
    }

    [Fact]
    public async Task A_failing_tool_is_the_verdict_after_the_stored_bytes_matched()
    {
        // It reads its input to the end first: the verdict then never depends on how fast a broken pipe is noticed.
        var tools = FakeTool("pg_restore", "cat > /dev/null; echo 'pg_restore: error: simulated: unsupported version (1.99) in file header' >&2; exit 1");
        await using var harness = await BackupHarness.CreateAsync(postgres: o => o.ToolsDirectory = tools);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 200);

        var ex = await Assert.ThrowsAsync<ArchiveIntegrityException>(() => harness.Backups.RunAsync()).WaitAsync(TimeSpan.FromMinutes(2));

        var recorded = Assert.Single((await harness.Backups.GetCatalogAsync()).Backups);
        Assert.Equal(BackupStatus.VerificationFailed, recorded.Status);
        Assert.Contains("unsupported version (1.99) in file header", recorded.Verification!.Detail, StringComparison.Ordinal);
        Assert.Contains(recorded.Id, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_backup_whose_verification_is_stuck_ends_it_and_lists_no_backup()
    {
        // pg_restore that never reads its input: the verification stalls, and with it the write it follows.
        var tools = FakeTool("pg_restore", "exec sleep 600");
        await using var harness = await BackupHarness.CreateAsync(postgres: o => o.ToolsDirectory = tools);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 3000);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Backups.RunAsync(cancellationToken: cancel.Token)).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Empty((await harness.Backups.GetCatalogAsync()).Backups);
    }

    [Fact]
    public async Task A_failed_dump_reports_pg_dumps_error_and_records_no_verification()
    {
        // pg_dump fails after a part of the dump has been written (and decoded by the verification).
        var bin = (await TestPostgres.GetServerAsync()).BinDirectory!;
        var tools = FakeTool("pg_dump", $"\"{bin}/pg_dump\" \"$@\" | head -c 200000; echo 'pg_dump: error: simulated: server closed the connection unexpectedly' >&2; exit 1");
        await using var harness = await BackupHarness.CreateAsync(postgres: o => o.ToolsDirectory = tools);
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 300);
        using var capture = new TelemetryCapture(harness.Services.GetRequiredService<DataGuardMetrics>());

        var ex = await Assert.ThrowsAnyAsync<DataGuardException>(() => harness.Backups.RunAsync()).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Contains("simulated: server closed the connection unexpectedly", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("could not be read back to verify", ex.ToString(), StringComparison.Ordinal);
        Assert.Empty(capture.Measured("dataguard.backup.verifications"));
        var verify = Assert.Single(capture.Named("dataguard.backup.verify"));
        Assert.Equal(true, verify.GetTagItem("dataguard.backup.verify.abandoned"));
        Assert.Equal(ActivityStatusCode.Unset, verify.Status);
    }

    /// <summary>A tools folder of the test server's tools, whose <paramref name="tool"/> answers --version as the real one and otherwise runs <paramref name="body"/>.</summary>
    private string FakeTool(string tool, string body)
    {
        var bin = TestPostgres.GetServerAsync().GetAwaiter().GetResult().BinDirectory ?? throw new InvalidOperationException("the test server's tools folder is not known");
        Directory.CreateDirectory(_tools);
        foreach (var real in Directory.EnumerateFiles(bin))
        {
            var name = Path.GetFileName(real);
            if (name != tool)
            {
                File.CreateSymbolicLink(Path.Combine(_tools, name), real);
            }
        }

        var script = Path.Combine(_tools, tool);
        File.WriteAllText(script, $"#!/bin/sh\ncase \"$1\" in --version|-V) exec \"{bin}/{tool}\" \"$@\";; esac\n{body}\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        return _tools;
    }

    private enum Alteration
    {
        /// <summary>Stores the bytes with one flipped, reports the size and SHA-256 of those it was given.</summary>
        FlipReportOriginal,

        /// <summary>Stores and reports the bytes with one flipped (an honest report of a corrupted write).</summary>
        FlipReportStored,

        /// <summary>Stores all but the last 7 bytes, reports those it was given.</summary>
        DropTail,

        /// <summary>Reads the first 1 KiB only, stores and reports those, and says the write succeeded.</summary>
        StopEarly,
    }

    /// <summary>A real storage under a fault that applies to backup archives (not manifests).</summary>
    private sealed class AlteringStorage(IBackupStorage inner, Alteration alteration) : DelegatingStorage(inner)
    {
        public override async Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (key.EndsWith("manifest.json", StringComparison.Ordinal))
            {
                return await Inner.WriteAsync(key, content, options, cancellationToken);
            }

            var given = new MemoryStream();
            if (alteration == Alteration.StopEarly)
            {
                var head = new byte[1024];
                await content.ReadExactlyAsync(head, cancellationToken);
                given.Write(head);
            }
            else
            {
                await content.CopyToAsync(given, cancellationToken);
            }

            var bytes = given.ToArray();
            var stored = alteration switch
            {
                Alteration.FlipReportOriginal or Alteration.FlipReportStored => Flip(bytes),
                Alteration.DropTail => bytes[..^7],
                _ => bytes,
            };
            var written = await Inner.WriteAsync(key, new MemoryStream(stored), options, cancellationToken);
            return alteration is Alteration.FlipReportStored or Alteration.StopEarly
                ? written
                : new StorageWriteResult(key, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        private static byte[] Flip(byte[] bytes)
        {
            var copy = (byte[])bytes.Clone();
            copy[copy.Length / 2] ^= 0x20;
            return copy;
        }
    }
}
