using System.Globalization;
using System.Text;

namespace DataGuard.Storage;

/// <summary>The steps every storage must pass: put, get (read back equal), list, delete a probe object.</summary>
internal static class StorageProbe
{
    /// <summary>The prefix probe objects are written under.</summary>
    public const string KeyPrefix = StorageLayout.Probe;

    /// <summary>Makes a fresh probe key.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>A key under <see cref="KeyPrefix"/>.</returns>
    public static string NewKey(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var stamp = timeProvider.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        return $"{KeyPrefix}{stamp}-{Guid.NewGuid():N}";
    }

    /// <summary>Runs put, get, list and delete on a fresh probe key. Never throws for a storage fault.</summary>
    /// <param name="storage">The storage to probe.</param>
    /// <param name="key">The probe key; deleted at the end.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>The steps, in order; stops at the first failed one.</returns>
    public static async Task<List<StorageProbeStep>> RunBasicStepsAsync(IBackupStorage storage, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var steps = new List<StorageProbeStep>();
        var payload = Encoding.UTF8.GetBytes($"dataguard probe {key}");
        if (!await StepAsync(steps, "put", async () =>
            {
                using var content = new MemoryStream(payload);
                var written = await storage.WriteAsync(key, content, cancellationToken: cancellationToken).ConfigureAwait(false);
                return $"{written.Size} bytes written";
            }).ConfigureAwait(false))
        {
            return steps;
        }

        var ok = await StepAsync(steps, "get", async () =>
        {
            var stream = await storage.OpenReadAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                return copy.ToArray().AsSpan().SequenceEqual(payload)
                    ? "read back equal"
                    : throw new StorageException("the probe object read back differs from what was written");
            }
        }).ConfigureAwait(false);

        ok &= await StepAsync(steps, "list", async () =>
        {
            await foreach (var item in storage.ListAsync(KeyPrefix, cancellationToken).ConfigureAwait(false))
            {
                if (item.Key == key)
                {
                    return "probe object listed";
                }
            }

            throw new StorageException("the probe object was written but is not listed");
        }).ConfigureAwait(false);

        await StepAsync(steps, "delete", async () =>
        {
            await storage.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            return await storage.GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null
                ? "probe object deleted"
                : throw new StorageException("the probe object is still there after delete");
        }).ConfigureAwait(false);
        return steps;
    }

    private static async Task<bool> StepAsync(List<StorageProbeStep> steps, string name, Func<Task<string>> action)
    {
        try
        {
            steps.Add(new StorageProbeStep(name, true, false, await action().ConfigureAwait(false)));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            steps.Add(new StorageProbeStep(name, false, false, DescribeFailure(ex)));
            return false;
        }
    }

    /// <summary>Describes an exception for a probe line: its message and its innermost cause's.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>One line of text.</returns>
    public static string DescribeFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var root = exception;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        var addsNothing = ReferenceEquals(root, exception)
            || exception.Message.Contains(root.Message, StringComparison.Ordinal)
            || root.Message.StartsWith("Exception of type", StringComparison.Ordinal);
        return addsNothing ? exception.Message : $"{exception.Message} ({root.Message})";
    }
}
