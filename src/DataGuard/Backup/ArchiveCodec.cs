using DataGuard.Backup.Encryption;
using DataGuard.Configuration;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace DataGuard.Backup;

/// <summary>
/// Turns a raw archive into stored bytes (zstd, then optional AES-256-GCM) and back. What it writes stays readable by
/// standard tools: decrypted (docs/formats.md), it is a plain zstd frame that the <c>zstd</c> command decompresses.
/// </summary>
public sealed class ArchiveCodec
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
    /// <returns>The writer; call <see cref="ArchiveWriter.CompleteAsync"/> at the end.</returns>
    public ArchiveWriter OpenWriter(Stream output)
    {
        EncryptingStream? encrypting = _keys.CurrentKeyId is { } keyId
            ? new EncryptingStream(output, keyId, _keys.GetCurrentKey(), leaveOpen: true)
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
                }

                zstd = managed;
            }
        }

        return new ArchiveWriter(zstd, encrypting, output);
    }

    /// <summary>Opens a reader that yields the raw archive of stored bytes described by <paramref name="manifest"/>.</summary>
    /// <param name="stored">The stored bytes; disposed with the reader.</param>
    /// <param name="manifest">The manifest, for the compression and encryption used.</param>
    /// <param name="keys">The known keys.</param>
    /// <returns>The raw archive stream; integrity faults surface as <see cref="ArchiveIntegrityException"/>.</returns>
    public static Stream OpenReader(Stream stored, BackupManifest manifest, EncryptionKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return OpenReader(stored, manifest.Compression.Algorithm == "zstd", manifest.Encryption is not null, keys);
    }

    /// <summary>Opens a reader that yields the raw bytes of a stored object.</summary>
    /// <param name="stored">The stored bytes; disposed with the reader.</param>
    /// <param name="compressed">Whether the object is a zstd frame (inside the encryption, if any).</param>
    /// <param name="encrypted">Whether the object is encrypted.</param>
    /// <param name="keys">The known keys.</param>
    /// <returns>The raw stream; integrity faults surface as <see cref="ArchiveIntegrityException"/>.</returns>
    public static Stream OpenReader(Stream stored, bool compressed, bool encrypted, EncryptionKeyRing keys)
    {
        var decrypted = encrypted ? new DecryptingStream(stored, keys) : stored;
        return compressed ? new ZstdReadStream(decrypted) : decrypted;
    }
}
