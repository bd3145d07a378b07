using Microsoft.Extensions.Logging;

namespace DataGuard.Supabase;

/// <summary>Supabase log messages (event ids 2100-2199).</summary>
internal static partial class SupabaseLog
{
    [LoggerMessage(2100, LogLevel.Information, "Supabase restore: left out {Count} archive entries: {Reason} ({Examples})")]
    public static partial void EntriesSkipped(ILogger logger, int count, string reason, string examples);

    [LoggerMessage(2101, LogLevel.Warning, "Supabase restore: extension {Extension} is not available to this role on the target; objects that need it may fail")]
    public static partial void ExtensionUnavailable(ILogger logger, string extension);

    [LoggerMessage(2102, LogLevel.Information, "Supabase restore: prepared the target: {Action}")]
    public static partial void TargetPrepared(ILogger logger, string action);

    [LoggerMessage(2103, LogLevel.Warning, "Supabase restore: {Problem}")]
    public static partial void RestoreWarning(ILogger logger, string problem);

    [LoggerMessage(2110, LogLevel.Warning, "Supabase Management API answered 429 (rate limited) for {Call}; retrying in {DelaySeconds:F1} s")]
    public static partial void RateLimited(ILogger logger, string call, double delaySeconds);

    [LoggerMessage(2120, LogLevel.Information, "Supabase Storage copy {CopyId}: {Objects} objects in {Buckets} buckets, {Copied} copied, {Reused} unchanged, {Bytes} bytes")]
    public static partial void StorageCopied(ILogger logger, string copyId, int objects, int buckets, int copied, int reused, long bytes);
}
