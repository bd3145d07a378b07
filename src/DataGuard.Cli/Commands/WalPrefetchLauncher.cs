using System.Diagnostics;
using DataGuard.Pitr;

namespace DataGuard.Cli.Commands;

/// <summary>Starts <c>dataguard wal prefetch</c> in the background for a recovery, unless one already runs (it holds the spool's lock).</summary>
internal static class WalPrefetchLauncher
{
    /// <summary>Starts the prefetcher after <paramref name="name"/> when none runs for the spool.</summary>
    /// <param name="spool">The spool of the data directory in recovery.</param>
    /// <param name="name">The segment recovery asked for.</param>
    /// <param name="configFile">The configuration file this fetch read (the prefetcher reads the same), or <see langword="null"/>.</param>
    public static void EnsureRunning(WalPrefetchSpool spool, string name, string? configFile)
    {
        spool.CreateRoot();
        if (IsRunning(spool))
        {
            return;
        }

        var self = CliSelf.Invocation();

        // sh puts it in the background and returns at once (restore_command does not wait for it); what it writes goes to
        // restore_command's stderr, the server's log, like wal fetch's own lines.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = spool.DataDirectory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >&2 &");
        foreach (var argument in self)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in new[] { "wal", "prefetch", "--data-dir", spool.DataDirectory, "--from", name })
        {
            start.ArgumentList.Add(argument);
        }

        if (configFile is not null)
        {
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(Path.GetFullPath(configFile));
        }

        using var shell = Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start.");
        shell.WaitForExit();
    }

    private static bool IsRunning(WalPrefetchSpool spool)
    {
        try
        {
            using var probe = new FileStream(spool.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
