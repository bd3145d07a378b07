using System.Buffers.Binary;
using DataGuard.IO;
using System.Security.Cryptography;
using System.Text;

namespace DataGuard.Backup.Encryption;

/// <summary>
/// A read-only stream that decrypts DataGuard's chunked AES-256-GCM format, verifying every chunk before handing
/// out its bytes. A wrong or missing key, a changed byte and a cut-short file each raise a distinct
/// <see cref="ArchiveIntegrityException"/>.
/// </summary>
public sealed class DecryptingStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly EncryptionKeyRing _keys;
    private AesGcm? _aes;
    private byte[] _header = [];
    private byte[] _noncePrefix = [];
    private byte[] _record = [];
    private byte[] _plain = [];
    private byte[] _aadMore = [];
    private byte[] _aadFinal = [];
    private int _recordSize;
    private int _plainOffset;
    private int _plainLength;
    private uint _index;
    private bool _done;
    private int _peeked = -1;

    /// <summary>Initializes a new instance of the <see cref="DecryptingStream"/> class.</summary>
    /// <param name="inner">The encrypted bytes.</param>
    /// <param name="keys">The known keys.</param>
    /// <param name="leaveOpen">Whether to leave <paramref name="inner"/> open on dispose.</param>
    public DecryptingStream(Stream inner, EncryptionKeyRing keys, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(keys);
        _inner = inner;
        _keys = keys;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Gets the key id of the archive, once the header was read.</summary>
    public string? KeyId { get; private set; }

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
        var fixedPart = new byte[19];
        if (await ReadFullAsync(fixedPart, cancellationToken).ConfigureAwait(false) < fixedPart.Length
            || !fixedPart.AsSpan(0, 4).SequenceEqual(ChunkedAesGcmFormat.Magic))
        {
            throw Malformed("missing header");
        }

        if (fixedPart[4] != ChunkedAesGcmFormat.Version || fixedPart[5] != ChunkedAesGcmFormat.AlgorithmAes256Gcm)
        {
            throw Malformed($"unsupported version {fixedPart[4]} or algorithm {fixedPart[5]}");
        }

        var chunkSize = BinaryPrimitives.ReadUInt32BigEndian(fixedPart.AsSpan(6));
        if (chunkSize is 0 or > ChunkedAesGcmFormat.MaxChunkSize)
        {
            throw Malformed($"chunk size {chunkSize} out of range");
        }

        var rest = new byte[fixedPart[18] + ChunkedAesGcmFormat.KeyCheckSize];
        if (await ReadFullAsync(rest, cancellationToken).ConfigureAwait(false) < rest.Length)
        {
            throw new ArchiveIntegrityException(ArchiveProblem.Truncated, "The encrypted archive is truncated inside its header.");
        }

        _noncePrefix = fixedPart[10..18];
        KeyId = Encoding.UTF8.GetString(rest, 0, fixedPart[18]);
        if (!_keys.TryGetKey(KeyId, out var key))
        {
            var known = string.Join(", ", _keys.KeyIds.DefaultIfEmpty("none"));
            throw new ArchiveIntegrityException(ArchiveProblem.MissingKey, $"The archive is encrypted with key id '{KeyId}', which is not configured (known key ids: {known}). Add it to DataGuard:Backup:Encryption:Keys.");
        }

        if (!CryptographicOperations.FixedTimeEquals(ChunkedAesGcmFormat.KeyCheck(key, _noncePrefix), rest.AsSpan(fixedPart[18])))
        {
            throw new ArchiveIntegrityException(ArchiveProblem.WrongKey, $"The key configured for key id '{KeyId}' is not the key this archive was encrypted with.");
        }

        _header = [.. fixedPart, .. rest];
        _aes = new AesGcm(key, ChunkedAesGcmFormat.TagSize);
        _recordSize = (int)chunkSize + ChunkedAesGcmFormat.TagSize;
        _record = new byte[_recordSize];
        _plain = new byte[chunkSize];
        _aadMore = ChunkedAesGcmFormat.AssociatedData(_header, final: false);
        _aadFinal = ChunkedAesGcmFormat.AssociatedData(_header, final: true);
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
        Span<byte> nonce = stackalloc byte[12];
        ChunkedAesGcmFormat.Nonce(_noncePrefix, _index, nonce);
        if (!TryDecrypt(nonce, cipherLength, last ? _aadFinal : _aadMore))
        {
            if (last && TryDecrypt(nonce, cipherLength, _aadMore))
            {
                throw new ArchiveIntegrityException(ArchiveProblem.Truncated, $"The encrypted archive is truncated: it ends after chunk {_index}, which is not the final chunk.");
            }

            throw new ArchiveIntegrityException(ArchiveProblem.Tampered, $"The encrypted archive failed authentication at chunk {_index} (bytes from {(long)_index * _plain.Length} of the plaintext): it was changed or corrupted.");
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
