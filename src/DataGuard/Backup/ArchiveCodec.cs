using DataGuard.Backup.Encryption;
using DataGuard.Configuration;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace DataGuard.Backup;

/// <summary>
/// Turns a raw archive into stored bytes (zstd, then optional AES-256-GCM) and back. What it writes stays readable by
/// standard tools: decrypted (docs/formats.md), it is a plain zstd frame that the <c>zstd</c> command decompresses.
/// </summary>
internal sealed class ArchiveCodec
{
    /// <summary>The encryption algorithm name recorded in manifests.</summary>
    public const string EncryptionAlgorithm = "aes-256-gcm-chunked";

    private readonly CompressionOptions _compression;
    private readonly EncryptionKeyRing _keys;

    /// <summary>Initializes a new instance of the <see cref="ArchiveCodec"/> class.</summary>
    /// <param name="compression">The compression options.</param>
    /// <param name="keys">The encryption keys; encryption is on when the ring has a current key.</param>
    public ArchiveCodec(CompressionOptions compression, EncryptionKeyRing keys)
    {
        _compression = compression;
        _keys = keys;
    }

    /// <summary>Gets the compression new archives get.</summary>
    public BackupCompression Compression => IsCompressed
        ? new BackupCompression("zstd", _compression.Level)
        : new BackupCompression("none", 0);

    /// <summary>Gets the encryption new archives get, or <see langword="null"/>.</summary>
    public BackupEncryption? Encryption => _keys.CurrentKeyId is { } id ? new BackupEncryption(EncryptionAlgorithm, id) : null;

    /// <summary>Gets the suffix of stored archives, such as <c>.zst</c> or <c>.zst.enc</c>.</summary>
    public string Suffix => (IsCompressed ? ".zst" : string.Empty) + (Encryption is null ? string.Empty : ".enc");

    private bool IsCompressed => !string.Equals(_compression.Algorithm, "None", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens a writer: raw bytes written to it reach <paramref name="output"/> compressed and encrypted.</summary>
    /// <param name="output">Where the stored bytes go; left open.</param>
    /// <param name="context">What an encrypted archive is bound to (<see cref="ArchiveContexts"/>): its backup id, WAL file name or storage key.</param>
    /// <returns>The writer; call <see cref="ArchiveWriter.CompleteAsync"/> at the end.</returns>
    public ArchiveWriter OpenWriter(Stream output, string context)
    {
        ArgumentException.ThrowIfNullOrEmpty(context);
        EncryptingStream? encrypting = _keys.CurrentKeyId is { } keyId
            ? new EncryptingStream(output, keyId, _keys.GetCurrentKey(), context, leaveOpen: true)
            : null;
        Stream target = encrypting ?? output;
        Stream? zstd = null;
        if (IsCompressed)
        {
            var threads = _compression.Threads == 0 ? Environment.ProcessorCount : _compression.Threads;
            if (_compression.UseNativeLibrary && DataGuard.Compression.NativeZstd.IsAvailable)
            {
                zstd = new DataGuard.Compression.NativeZstdCompressionStream(target, _compression.Level, threads);
            }
            else
            {
                var managed = new CompressionStream(target, _compression.Level, leaveOpen: true);
                managed.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                if (threads > 1)
                {
                    managed.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, threads);
                    managed.SetParameter(ZSTD_cParameter.ZSTD_c_jobSize, DataGuard.Compression.NativeZstd.WorkerJobSize);
                }

                zstd = managed;
            }
        }

        return new ArchiveWriter(zstd, encrypting, output);
    }

    /// <summary>Opens a reader that yields the raw archive of stored bytes described by <paramref name="manifest"/>.</summary>
    /// <param name="stored">The stored bytes; disposed with the reader.</param>
    /// <param name="manifest">The manifest, for the compression and encryption used, and the backup id the archive is bound to.</param>
    /// <param name="keys">The known keys.</param>
    /// <returns>The raw archive stream; integrity faults surface as <see cref="ArchiveIntegrityException"/>.</returns>
    /// <exception cref="ArchiveIntegrityException">The manifest says the archive is not encrypted, and encryption is configured.</exception>
    public static Stream OpenReader(Stream stored, BackupManifest manifest, EncryptionKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(keys);
        if (manifest.Encryption is null && keys.RefusesUnencrypted)
        {
            throw UnencryptedRefused($"Backup {manifest.Id}", manifest.DataKey, "backup.read");
        }

        return OpenReader(stored, manifest.Compression.Algorithm == "zstd", manifest.Encryption is not null, keys, ArchiveContexts.Backup(manifest.Id));
    }

    /// <summary>Opens a reader that yields the raw bytes of a stored object.</summary>
    /// <param name="stored">The stored bytes; disposed with the reader.</param>
    /// <param name="compressed">Whether the object is a zstd frame (inside the encryption, if any).</param>
    /// <param name="encrypted">Whether the object is encrypted.</param>
    /// <param name="keys">The known keys.</param>
    /// <param name="context">What an encrypted archive must be bound to (<see cref="ArchiveContexts"/>).</param>
    /// <returns>The raw stream; integrity faults surface as <see cref="ArchiveIntegrityException"/>.</returns>
    /// <exception cref="ArchiveIntegrityException">The object is not encrypted, and encryption is configured.</exception>
    public static Stream OpenReader(Stream stored, bool compressed, bool encrypted, EncryptionKeyRing keys, string context)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!encrypted && keys.RefusesUnencrypted)
        {
            throw UnencryptedRefused("The archive", context);
        }

        var decrypted = encrypted ? new DecryptingStream(stored, keys, context) : stored;
        return compressed ? new ZstdReadStream(decrypted) : decrypted;
    }

    /// <summary>The error for an unencrypted object read while encryption is configured.</summary>
    /// <param name="owner">Whose object it is, such as <c>WAL file 000000010000000000000003</c>.</param>
    /// <param name="what">The object, such as its storage key.</param>
    /// <param name="operation">The operation, such as <c>wal.read</c>.</param>
    /// <returns>The exception to throw.</returns>
    public static ArchiveIntegrityException UnencryptedRefused(string owner, string what, string? operation = null) => new(
        ArchiveProblem.Unencrypted,
        $"{owner}: refusing unencrypted object {what}: encryption is configured (DataGuard:Backup:Encryption:KeyId), so everything read back must be encrypted and authenticated. If this deployment still has backups or WAL from before encryption was turned on, set DataGuard:Backup:Encryption:AllowUnencryptedRead to true until they have expired; otherwise the object was planted or altered.")
    {
        Operation = operation,
    };
}
