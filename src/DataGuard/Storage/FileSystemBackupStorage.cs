using System.Buffers;
using System.Runtime.CompilerServices;
using DataGuard.IO;
using DataGuard.Configuration;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Storage;

/// <summary>
/// Keeps objects as files under a root folder. Writes go to a temporary file in the target folder that is
/// flushed to disk and then renamed, and the folder is flushed after the rename (and the parent of every folder
/// created), so an object appears only once complete and a write reported done survives a crash. Files are created
/// with <see cref="FileSystemStorageOptions.FileMode"/> (0600) and folders with
/// <see cref="FileSystemStorageOptions.DirectoryMode"/> (0700), whatever the umask. Download links are
/// <c>file://</c> URIs: they work only on this machine and do not expire.
/// </summary>
internal sealed class FileSystemBackupStorage : IBackupStorage
{
    private const string TempMarker = ".dataguard-tmp-";
    private const int BufferSize = 1024 * 1024;
    private const long WriteBackWindow = 8 * 1024 * 1024;
    private readonly string _root;
    private readonly UnixFileMode _fileMode;
    private readonly UnixFileMode _directoryMode;
    private readonly ILogger<FileSystemBackupStorage> _logger;

    /// <summary>Initializes a new instance of the <see cref="FileSystemBackupStorage"/> class.</summary>
    /// <param name="options">The options; <see cref="FileSystemStorageOptions.Root"/> is required.</param>
    /// <param name="logger">The logger.</param>
    public FileSystemBackupStorage(FileSystemStorageOptions options, ILogger<FileSystemBackupStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Root))
        {
            throw new DataGuardException("DataGuard:Storage:FileSystem:Root is required.") { Operation = "storage.configure" };
        }

        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Root));
        _fileMode = ModeOf(options.FileMode, nameof(options.FileMode), PrivateFiles.CheckFileMode);
        _directoryMode = ModeOf(options.DirectoryMode, nameof(options.DirectoryMode), PrivateFiles.CheckDirectoryMode);
        _logger = logger;
    }

    /// <inheritdoc />
    public string ProviderName => StorageOptions.FileSystemProvider;

    /// <inheritdoc />
    public string Location => _root;

    /// <inheritdoc />
    public async Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var write = options ?? StorageWriteOptions.Default;
        return await StorageActivity.TraceWriteAsync(ProviderName, key, write, () => WriteCoreAsync(key, content, write, cancellationToken)).ConfigureAwait(false);
    }

    private async Task<StorageWriteResult> WriteCoreAsync(string key, Stream content, StorageWriteOptions options, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (options.WriteOnce && File.Exists(path))
        {
            throw StorageObjectAlreadyExistsException.For(key, _root);
        }

        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $"{TempMarker}{Guid.NewGuid():N}");
        using var hashing = new HashingReadStream(content);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            PrivateFiles.CreateDirectory(directory, _directoryMode, durable: true);
            var file = PrivateFiles.CreateNew(temp, _fileMode, bufferSize: 0, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                int read;
                long written = 0;
                long started = 0;
                long previous = 0;
                while ((read = await hashing.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    written += read;
                    if (written - started >= WriteBackWindow)
                    {
                        // Send each window to disk while the next is produced (waiting for the one before it), so the
                        // fsync below, still what makes the write durable, has little left to do.
                        NativeFileSystem.StartWriteBack(file.SafeFileHandle, started, written - started, previous, started - previous);
                        previous = started;
                        started = written;
                    }
                }

                file.Flush(flushToDisk: true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            Commit(temp, path, key, options.WriteOnce);

            // The rename is durable only once the folder is: until then a crash may lose an object reported written.
            NativeFileSystem.Sync(directory);
            StorageLog.ObjectWritten(_logger, ProviderName, key, hashing.BytesRead);
            return new StorageWriteResult(key, hashing.BytesRead, hashing.GetSha256Hex());
        }
        catch (Exception ex)
        {
            TryDelete(temp);
            if (ex is OperationCanceledException or StorageException)
            {
                throw;
            }

            throw new StorageException($"Writing '{key}' to {_root} failed: {ex.Message}", ex) { Key = key, Location = _root, Operation = "storage.write" };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, StorageByteRange? range = null, CancellationToken cancellationToken = default)
    {
        range?.Validate();
        using var activity = StorageActivity.StartRead(ProviderName, key, range);
        var path = PathOf(key);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            var notFound = StorageObjectNotFoundException.For(key, _root, ex);
            activity.Fail(notFound);
            throw notFound;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }

        activity?.SetTag("dataguard.storage.size", file.Length);

        if (range is null)
        {
            return Task.FromResult<Stream>(file);
        }

        file.Seek(Math.Min(range.Offset, file.Length), SeekOrigin.Begin);
        var length = Math.Max(0, Math.Min(range.Length ?? long.MaxValue, file.Length - range.Offset));
        return Task.FromResult<Stream>(new BoundedReadStream(file, length));
    }

    /// <inheritdoc />
    public Task<StorageObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? Describe(key, file) : null);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        var lastSlash = prefix.LastIndexOf('/');
        var start = lastSlash < 0 ? _root : Path.Combine(_root, prefix[..lastSlash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(start))
        {
            yield break;
        }

        var keys = new List<(string Key, FileInfo File)>();
        foreach (var file in new DirectoryInfo(start).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            if (file.Name.StartsWith(TempMarker, StringComparison.Ordinal))
            {
                continue;
            }

            var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                keys.Add((key, file));
            }
        }

        keys.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, file) in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            file.Refresh();
            if (file.Exists)
            {
                yield return Describe(key, file);
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        RemoveEmptyParents(Path.GetDirectoryName(path)!);
        StorageLog.ObjectDeleted(_logger, ProviderName, key);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public async Task<int> DeleteManyAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.Select(StorageKeys.Validate).ToList();
        foreach (var key in list)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return list.Count;
    }

    /// <inheritdoc />
    public Task<Uri> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        return File.Exists(path)
            ? Task.FromResult(new Uri(path))
            : throw StorageObjectNotFoundException.For(key, _root);
    }

    /// <inheritdoc />
    public async Task<StorageProbeResult> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var steps = await StorageProbe.RunBasicStepsAsync(this, StorageProbe.NewKey(TimeProvider.System), cancellationToken).ConfigureAwait(false);
        steps.Add(new StorageProbeStep("conditional-write", true, true, "write-once is exact on a local disk (rename without replace)"));
        steps.Add(new StorageProbeStep("batch-delete", false, true, "files are deleted one by one"));
        return new StorageProbeResult(_root, steps);
    }

    private static UnixFileMode ModeOf(string? text, string option, Func<string?, string?> check) =>
        check(text) is { } problem
            ? throw new DataGuardException($"DataGuard:Storage:FileSystem:{option}: {problem}.") { Operation = "storage.configure" }
            : PrivateFiles.ParseOctal(text)!.Value;

    private static StorageObjectInfo Describe(string key, FileInfo file) =>
        new(key, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Commit(string temp, string path, string key, bool writeOnce)
    {
        if (writeOnce)
        {
            try
            {
                // link() fails if the name exists, atomically; File.Move(overwrite: false) checks, then renames over
                // whatever appeared in between.
                if (!NativeFileSystem.TryLinkNew(temp, path))
                {
                    throw StorageObjectAlreadyExistsException.For(key, _root);
                }

                File.Delete(temp);
                return;
            }
            catch (PlatformNotSupportedException)
            {
                // No hard links here: the check-then-rename below is the best this file system allows.
            }
        }

        try
        {
            File.Move(temp, path, overwrite: !writeOnce);
        }
        catch (IOException ex) when (writeOnce && File.Exists(path))
        {
            throw StorageObjectAlreadyExistsException.For(key, _root, ex);
        }
    }

    private void RemoveEmptyParents(string directory)
    {
        while (directory.Length > _root.Length && directory.StartsWith(_root, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    return;
                }

                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return;
            }

            directory = Path.GetDirectoryName(directory)!;
        }
    }

    private string PathOf(string key)
    {
        StorageKeys.Validate(key);
        if (key.Split('/').Any(segment => segment.StartsWith(TempMarker, StringComparison.Ordinal)))
        {
            throw new InvalidStorageKeyException($"Invalid storage key '{key}': segments starting with '{TempMarker}' are reserved.") { Key = key };
        }

        var path = Path.GetFullPath(Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar)));
        return path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new InvalidStorageKeyException($"Invalid storage key '{key}': it resolves outside the storage root.") { Key = key };
    }
}
