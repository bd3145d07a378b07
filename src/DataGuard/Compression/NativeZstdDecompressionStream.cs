using DataGuard.IO;

namespace DataGuard.Compression;

/// <summary>
/// A forward-only zstd decompressing stream over the system's libzstd (several times faster than the managed port):
/// reads one or more concatenated frames to the end of its input, checking each frame's content checksum. Input that
/// does not decode throws <see cref="InvalidDataException"/>; input that ends inside a frame throws
/// <see cref="EndOfStreamException"/>.
/// </summary>
internal sealed class NativeZstdDecompressionStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly byte[] _input;
    private nint _context;
    private int _inputLength;
    private int _inputPosition;
    private bool _frameOpen;
    private bool _innerEnded;

    public NativeZstdDecompressionStream(Stream inner)
    {
        _inner = inner;
        _input = GC.AllocateUninitializedArray<byte>(Math.Max((int)NativeZstd.DecompressInSize(), 128 * 1024), pinned: true);
        _context = NativeZstd.CreateDCtx();
        if (_context == 0)
        {
            throw new IOException("zstd: cannot create a decompression context.");
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_context == 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_inputPosition < _inputLength)
            {
                var produced = Decompress(buffer.Span);
                if (produced > 0)
                {
                    return produced;
                }

                if (_inputPosition < _inputLength)
                {
                    continue;
                }
            }
            else if (_frameOpen && !_innerEnded)
            {
                // Data may still be held inside the decoder with no input left (a full output buffer last time).
                var produced = Decompress(buffer.Span);
                if (produced > 0)
                {
                    return produced;
                }
            }

            if (_innerEnded)
            {
                if (_frameOpen)
                {
                    throw new EndOfStreamException("The zstd frame ends early: the compressed data is truncated.");
                }

                return 0;
            }

            _inputLength = await _inner.ReadAsync(_input, cancellationToken).ConfigureAwait(false);
            _inputPosition = 0;
            _innerEnded = _inputLength == 0;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_context != 0)
        {
            NativeZstd.FreeDCtx(_context);
            _context = 0;
        }

        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private unsafe int Decompress(Span<byte> output)
    {
        fixed (byte* input = _input)
        fixed (byte* target = output)
        {
            var inBuffer = new NativeZstd.Buffer { Data = input, Size = (nuint)_inputLength, Position = (nuint)_inputPosition };
            var outBuffer = new NativeZstd.Buffer { Data = target, Size = (nuint)output.Length, Position = 0 };
            var hint = NativeZstd.DecompressStream(_context, &outBuffer, &inBuffer);
            if (NativeZstd.IsError(hint) != 0)
            {
                throw new InvalidDataException($"zstd: {System.Runtime.InteropServices.Marshal.PtrToStringAnsi(NativeZstd.ErrorName(hint))}");
            }

            _inputPosition = (int)inBuffer.Position;

            // 0: a frame ended (its checksum checked); anything else: the frame goes on.
            _frameOpen = hint != 0;
            return (int)outBuffer.Position;
        }
    }
}
