using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.Storage;
using DataGuard.Testing;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// A backup's verification decodes the stored bytes while they are written, then reads the stored object back
/// (size and SHA-256): storages that store, report or read other bytes than they were given must still fail it.
/// </summary>
public sealed class VerifyWhileWritingTests
{
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
        Assert.Single(catalog.Orphans);
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
