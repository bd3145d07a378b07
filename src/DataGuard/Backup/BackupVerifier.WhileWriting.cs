using System.IO.Pipelines;
using DataGuard.Backup.Encryption;
using DataGuard.IO;
using DataGuard.Telemetry;

namespace DataGuard.Backup;

/// <summary>The verification of a backup's archive overlapped with its write.</summary>
internal sealed partial class BackupVerifier
{
    /// <summary>
    /// Starts verifying an archive while it is written. The stored bytes, as the storage reads them, are copied into
    /// <see cref="WriteVerification.StoredCopy"/> and decrypted, decompressed and listed by the provider's tool as they
    /// go; once the write has finished, <see cref="WriteVerification.CompleteAsync"/> reads the stored object back and
    /// checks its size and SHA-256. The stored object then holds exactly the bytes that were decoded, so it is verified
    /// as a second full read would verify it, without decoding it twice.
    /// </summary>
    /// <param name="id">The backup's id (the archive is bound to it when encrypted).</param>
    /// <param name="dataKey">The archive's storage key.</param>
    /// <param name="codec">The codec the archive is written with.</param>
    /// <param name="progress">Reports the read back of the stored object (phase <c>verify</c>).</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    /// <returns>The running verification; dispose it when the write fails.</returns>
    public WriteVerification StartWhileWriting(string id, string dataKey, ArchiveCodec codec, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        // Bounded like the upload's own pipe: a decoder that falls behind holds the upload back rather than buffering.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, minimumSegmentSize: 128 * 1024, useSynchronizationContext: false));
        var written = new TaskCompletionSource<(BackupManifest Manifest, long WrittenAt)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(() => VerifyWhileWritingAsync(pipe.Reader, id, dataKey, codec, written.Task, progress, cancel.Token), CancellationToken.None);
        return new WriteVerification(pipe.Writer, written, running, cancel, time);
    }

    private async Task<BackupVerification> VerifyWhileWritingAsync(PipeReader copy, string id, string dataKey, ArchiveCodec codec, Task<(BackupManifest Manifest, long WrittenAt)> written, IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        // The duration recorded is what the verification adds after the write: any decoding left, and the read back.
        var started = time.GetTimestamp();
        HashingReadStream? hashing = null;
        using var activity = DataGuardActivitySource.Start("dataguard.backup.verify");
        activity?.SetTag("dataguard.backup.id", id);
        activity?.SetTag("dataguard.backup.kind", provider.Kind);
        activity?.SetTag("dataguard.backup.verify.while_writing", true);
        try
        {
            return await RecordAsync(
                id,
                provider.Kind,
                "while_writing",
                dataKey,
                () => started,
                activity,
                async () =>
                {
                    using var copied = hashing = new HashingReadStream(copy.AsStream(leaveOpen: true));
                    var decoded = await DecodeCopyAsync(copied, id, codec, cancellationToken).ConfigureAwait(false);
                    (var manifest, started) = await written.WaitAsync(cancellationToken).ConfigureAwait(false);
                    activity?.SetTag("dataguard.backup.stored_size", manifest.StoredSize);

                    // What is in storage now, read back: the same size and SHA-256 as the storage reported writing.
                    await CheckStoredAsync(manifest, "verify", progress, cancellationToken).ConfigureAwait(false);

                    // What was decoded is what the storage was given and reported storing.
                    if (decoded.StoredBytes != manifest.StoredSize || !string.Equals(decoded.StoredSha256, manifest.Sha256, StringComparison.Ordinal))
                    {
                        throw new ArchiveIntegrityException(ArchiveProblem.ChecksumMismatch, $"Backup {id}: the storage reports storing {manifest.StoredSize} bytes with SHA-256 {manifest.Sha256}, but it was given {decoded.StoredBytes} bytes with SHA-256 {decoded.StoredSha256}.") { BackupId = id };
                    }

                    if (decoded.Failure is not null)
                    {
                        // The stored bytes are the ones written, and they do not decode: the verdict (as after a read back).
                        switch (decoded.Failure)
                        {
                            case ArchiveIntegrityException integrity:
                                throw new ArchiveIntegrityException(integrity.Problem, $"Backup {id}: {integrity.Message}", integrity) { BackupId = id };
                            case BackupFailedException tool:
                                throw new ArchiveIntegrityException(ArchiveProblem.Malformed, $"Backup {id}: {tool.Message}", tool) { BackupId = id };
                            default:
                                // The tool's pipe broke while the stored bytes were fine: no verdict.
                                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(decoded.Failure);
                                break;
                        }
                    }

                    if (decoded.RawBytes != manifest.RawSize)
                    {
                        throw new ArchiveIntegrityException(ArchiveProblem.SizeMismatch, $"Backup {id}: the stored archive decodes to {decoded.RawBytes} bytes, but {manifest.RawSize} were written into it.") { BackupId = id };
                    }

                    return (manifest, decoded.Entries, " while it was written, then read back");
                },
                abandoned: () => written.IsCanceled || hashing?.Faulted == true).ConfigureAwait(false);
        }
        finally
        {
            await copy.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Decodes the copy of the stored bytes to its end and has the provider's tool list it. A decoding failure is
    /// returned, not thrown, after the rest of the copy has been read (hashed), so the write it copies goes on to its end.
    /// </summary>
    private async Task<DecodedCopy> DecodeCopyAsync(HashingReadStream hashing, string id, ArchiveCodec codec, CancellationToken cancellationToken)
    {
        var counting = new CountingReadStream(ArchiveCodec.OpenReader(hashing, codec.Compression.Algorithm == "zstd", codec.Encryption is not null, keys, ArchiveContexts.Backup(id)));
        await using (counting.ConfigureAwait(false))
        {
            try
            {
                var entries = (await provider.InspectAsync(counting, cancellationToken).ConfigureAwait(false)).Entries;

                // The tool may stop after the table of contents: read the rest, so every byte is decrypted and decompressed.
                await DrainAsync(counting, "verify-decode", null, null, cancellationToken).ConfigureAwait(false);
                return new DecodedCopy(entries, counting.BytesRead, null, hashing.BytesRead, hashing.GetSha256Hex());
            }
            catch (Exception ex) when (!hashing.Faulted && ex is ArchiveIntegrityException or BackupFailedException or IOException)
            {
                await DrainAsync(hashing, "verify-decode", null, null, cancellationToken).ConfigureAwait(false);
                return new DecodedCopy(0, counting.BytesRead, ex, hashing.BytesRead, hashing.GetSha256Hex());
            }
        }
    }

    /// <summary>What decoding the copy found: entries and raw bytes, or the failure; and the copied (stored) bytes' size and SHA-256.</summary>
    private readonly record struct DecodedCopy(int Entries, long RawBytes, Exception? Failure, long StoredBytes, string StoredSha256);

    /// <summary>Counts the bytes read through it; disposes the stream it reads.</summary>
    private sealed class CountingReadStream(Stream inner) : ReadOnlyStream
    {
        public long BytesRead { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            BytesRead += read;
            return read;
        }

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            BytesRead += read;
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>A verification running alongside an archive's write (<see cref="BackupVerifier.StartWhileWriting"/>).</summary>
internal sealed class WriteVerification : IAsyncDisposable
{
    private readonly PipeWriter _storedCopy;
    private readonly TaskCompletionSource<(BackupManifest Manifest, long WrittenAt)> _written;
    private readonly Task<BackupVerification> _running;
    private readonly CancellationTokenSource _cancel;

    private readonly TimeProvider _time;

    internal WriteVerification(PipeWriter storedCopy, TaskCompletionSource<(BackupManifest Manifest, long WrittenAt)> written, Task<BackupVerification> running, CancellationTokenSource cancel, TimeProvider time)
    {
        _time = time;
        _storedCopy = storedCopy;
        _written = written;
        _running = running;
        _cancel = cancel;
    }

    /// <summary>Gets where the stored bytes are copied as the storage reads them (<see cref="TeeReadStream"/>).</summary>
    public PipeWriter StoredCopy => _storedCopy;

    /// <summary>Finishes the verification once the archive is stored.</summary>
    /// <param name="manifest">The backup's manifest, with what the storage reported writing.</param>
    /// <returns>The verification's outcome; thrown when the archive could not be read (no verdict).</returns>
    public Task<BackupVerification> CompleteAsync(BackupManifest manifest)
    {
        _written.TrySetResult((manifest, _time.GetTimestamp()));
        return _running;
    }

    /// <summary>Stops the verification if it has not completed (the write failed), and waits for it to end.</summary>
    /// <returns>A task that completes when the verification has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!_running.IsCompleted)
        {
            _written.TrySetCanceled();
            await _cancel.CancelAsync().ConfigureAwait(false);
            await _storedCopy.CompleteAsync(new OperationCanceledException("The write the verification followed failed.")).ConfigureAwait(false);
        }

        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The write's own failure is what the caller reports; the verification's end is only waited for.
        }

        _cancel.Dispose();
    }
}
