using System.Buffers.Binary;
using DataGuard.IO;
using System.Security.Cryptography;
using System.Text;

namespace DataGuard.Backup.Encryption;

/// <summary>
/// A read-only stream that decrypts DataGuard's chunked AES-256-GCM format (versions 1 and 2), verifying every chunk
/// before handing out its bytes. A wrong or missing key, an archive bound to another backup or WAL file, a changed
/// byte and a cut-short file each raise a distinct <see cref="ArchiveIntegrityException"/>.
/// </summary>
internal sealed class DecryptingStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly EncryptionKeyRing _keys;
    private readonly string _expectedContext;
    private AesGcm? _aes;
    private byte[] _noncePrefix = [];
    private byte[] _record = [];
    private byte[] _plain = [];
    private byte[] _aadMore = [];
    private byte[] _aadFinal = [];
    private int _recordSize;
    private int _plainOffset;
    private int _plainLength;
    private ulong _index;
    private bool _done;
    private int _peeked = -1;

    /// <summary>Initializes a new instance of the <see cref="DecryptingStream"/> class.</summary>
    /// <param name="inner">The encrypted bytes.</param>
    /// <param name="keys">The known keys.</param>
    /// <param name="expectedContext">
    /// What the archive must be bound to (<see cref="ArchiveContexts"/>); a version-2 archive bound to anything else is
    /// refused as <see cref="ArchiveProblem.Misplaced"/>. Version-1 archives carry no context.
    /// </param>
    /// <param name="leaveOpen">Whether to leave <paramref name="inner"/> open on dispose.</param>
    public DecryptingStream(Stream inner, EncryptionKeyRing keys, string expectedContext, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrEmpty(expectedContext);
        _inner = inner;
        _keys = keys;
        _expectedContext = expectedContext;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Gets the key id of the archive, once the header was read.</summary>
    public string? KeyId { get; private set; }

    /// <summary>Gets the archive's format version (1 or 2), once the header was read.</summary>
    public int? FormatVersion { get; private set; }

    /// <summary>Reads whether a stream starts with the format's magic bytes, without consuming it (it must be seekable) .</summary>
    /// <param name="header">The first bytes of a stream.</param>
    /// <returns>Whether the bytes start like an encrypted archive.</returns>
    public static bool HasMagic(ReadOnlySpan<byte> header) => header.StartsWith(ChunkedAesGcmFormat.Magic);

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_aes is null)
        {
            await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        }

        while (_plainOffset == _plainLength)
        {
            if (_done)
            {
                return 0;
            }

            await ReadChunkAsync(cancellationToken).ConfigureAwait(false);
        }

        var take = Math.Min(buffer.Length, _plainLength - _plainOffset);
        _plain.AsSpan(_plainOffset, take).CopyTo(buffer.Span);
        _plainOffset += take;
        return take;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes?.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static ArchiveIntegrityException Malformed(string detail) =>
        new(ArchiveProblem.Malformed, $"The archive is not a DataGuard encrypted archive: {detail}.");

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var preamble = new byte[ChunkedAesGcmFormat.PreambleSize];
        if (await ReadFullAsync(preamble, cancellationToken).ConfigureAwait(false) < preamble.Length
            || !preamble.AsSpan(0, 4).SequenceEqual(ChunkedAesGcmFormat.Magic))
        {
            throw Malformed("missing header");
        }

        var version = preamble[4];
        if (version is not (ChunkedAesGcmFormat.Version1 or ChunkedAesGcmFormat.Version2) || preamble[5] != ChunkedAesGcmFormat.AlgorithmAes256Gcm)
        {
            throw Malformed($"unsupported version {version} or algorithm {preamble[5]} (this DataGuard reads versions 1 and 2)");
        }

        var chunkSize = BinaryPrimitives.ReadUInt32BigEndian(preamble.AsSpan(6));
        if (chunkSize is 0 or > ChunkedAesGcmFormat.MaxChunkSize)
        {
            throw Malformed($"chunk size {chunkSize} out of range");
        }

        // Version 1: nonce prefix (8), key id length, key id, key check. Version 2: salt (32), key id length, key id,
        // context length (2), context, key check.
        var header = new List<byte>(preamble);
        var seed = await ReadHeaderPartAsync(header, version == ChunkedAesGcmFormat.Version1 ? ChunkedAesGcmFormat.NoncePrefixSize : ChunkedAesGcmFormat.SaltSize, cancellationToken).ConfigureAwait(false);
        var idLength = (await ReadHeaderPartAsync(header, 1, cancellationToken).ConfigureAwait(false))[0];
        KeyId = Encoding.UTF8.GetString(await ReadHeaderPartAsync(header, idLength, cancellationToken).ConfigureAwait(false));
        FormatVersion = version;
        if (version == ChunkedAesGcmFormat.Version2)
        {
            var contextLength = BinaryPrimitives.ReadUInt16BigEndian(await ReadHeaderPartAsync(header, 2, cancellationToken).ConfigureAwait(false));
            if (contextLength is 0 or > ChunkedAesGcmFormat.MaxContextSize)
            {
                throw Malformed($"context length {contextLength} out of range");
            }

            var context = Encoding.UTF8.GetString(await ReadHeaderPartAsync(header, contextLength, cancellationToken).ConfigureAwait(false));
            if (!string.Equals(context, _expectedContext, StringComparison.Ordinal))
            {
                throw new ArchiveIntegrityException(ArchiveProblem.Misplaced, $"The encrypted archive is bound to '{context}', not to '{_expectedContext}': it was copied or moved here from elsewhere (or its header was changed).");
            }
        }

        var keyCheck = await ReadHeaderPartAsync(header, ChunkedAesGcmFormat.KeyCheckSize, cancellationToken).ConfigureAwait(false);
        if (!_keys.TryGetKey(KeyId, out var key))
        {
            var known = string.Join(", ", _keys.KeyIds.DefaultIfEmpty("none"));
            throw new ArchiveIntegrityException(ArchiveProblem.MissingKey, $"The archive is encrypted with key id '{KeyId}', which is not configured (known key ids: {known}). Add it to DataGuard:Backup:Encryption:Keys.");
        }

        byte[] cipherKey;
        byte[] expectedCheck;
        if (version == ChunkedAesGcmFormat.Version1)
        {
            _noncePrefix = seed;
            cipherKey = key;
            expectedCheck = ChunkedAesGcmFormat.KeyCheckV1(key, seed);
        }
        else
        {
            (cipherKey, expectedCheck) = ChunkedAesGcmFormat.DeriveSubkey(key, seed);
        }

        if (!CryptographicOperations.FixedTimeEquals(expectedCheck, keyCheck))
        {
            throw new ArchiveIntegrityException(ArchiveProblem.WrongKey, $"The key configured for key id '{KeyId}' is not the key this archive was encrypted with.");
        }

        var headerBytes = header.ToArray();
        _aes = new AesGcm(cipherKey, ChunkedAesGcmFormat.TagSize);
        _recordSize = (int)chunkSize + ChunkedAesGcmFormat.TagSize;
        _record = new byte[_recordSize];
        _plain = new byte[chunkSize];
        _aadMore = ChunkedAesGcmFormat.AssociatedData(headerBytes, final: false);
        _aadFinal = ChunkedAesGcmFormat.AssociatedData(headerBytes, final: true);
    }

    private async Task<byte[]> ReadHeaderPartAsync(List<byte> header, int length, CancellationToken cancellationToken)
    {
        var part = new byte[length];
        if (await ReadFullAsync(part, cancellationToken).ConfigureAwait(false) < length)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.Truncated, "The encrypted archive is truncated inside its header.");
        }

        header.AddRange(part);
        return part;
    }

    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        if (_peeked >= 0)
        {
            _record[0] = (byte)_peeked;
            _peeked = -1;
            length = 1;
        }

        length += await ReadFullAsync(_record.AsMemory(length), cancellationToken).ConfigureAwait(false);
        var last = length < _recordSize || await PeekEndAsync(cancellationToken).ConfigureAwait(false);
        if (length < ChunkedAesGcmFormat.TagSize)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.Truncated, $"The encrypted archive is truncated: chunk {_index} is incomplete.");
        }

        var cipherLength = length - ChunkedAesGcmFormat.TagSize;
        Span<byte> nonce = stackalloc byte[ChunkedAesGcmFormat.NonceSize];
        ChunkedAesGcmFormat.Nonce((byte)FormatVersion!.Value, _noncePrefix, _index, nonce);
        if (!TryDecrypt(nonce, cipherLength, last ? _aadFinal : _aadMore))
        {
            if (last && TryDecrypt(nonce, cipherLength, _aadMore))
            {
                throw new ArchiveIntegrityException(ArchiveProblem.Truncated, $"The encrypted archive is truncated: it ends after chunk {_index}, which is not the final chunk.");
            }

            throw new ArchiveIntegrityException(ArchiveProblem.Tampered, $"The encrypted archive failed authentication at chunk {_index} (bytes from {_index * (ulong)_plain.Length} of the plaintext): it was changed or corrupted.");
        }

        _plainOffset = 0;
        _plainLength = cipherLength;
        _index++;
        _done = last;
    }

    private bool TryDecrypt(ReadOnlySpan<byte> nonce, int cipherLength, byte[] associatedData)
    {
        try
        {
            _aes!.Decrypt(nonce, _record.AsSpan(0, cipherLength), _record.AsSpan(cipherLength, ChunkedAesGcmFormat.TagSize), _plain.AsSpan(0, cipherLength), associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    private async Task<bool> PeekEndAsync(CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var read = await _inner.ReadAsync(one, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return true;
        }

        _peeked = one[0];
        return false;
    }

    private async Task<int> ReadFullAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await _inner.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
