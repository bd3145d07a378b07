using System.Collections.Concurrent;
using System.Diagnostics;

namespace DataGuard.IO;

/// <summary>
/// Starts external tools (pg_dump, pg_restore, pg_basebackup) so that they do not outlive DataGuard: on Linux, through
/// util-linux's <c>setpriv --pdeathsig TERM --</c>, which asks the kernel to send the tool SIGTERM when its parent
/// dies (a SIGKILLed host included); pg_dump and pg_restore then stop their parallel workers and cancel their queries.
/// <para>
/// The kernel sends that signal when the parent THREAD ends, not the process: the tools are therefore started from
/// one thread of DataGuard's own that lives as long as the process (a thread-pool thread that retires would kill a
/// running dump). Where setpriv is missing or does not know <c>--pdeathsig</c> (not Linux, util-linux before 2.33),
/// tools start directly and may outlive a killed host; the next backup's staging sweep then kills what is left of them
/// and removes their files.
/// </para>
/// </summary>
internal static class ChildProcessLauncher
{
    private static readonly Lazy<string?> Setpriv = new(() => FindSetpriv(["/usr/bin/setpriv", "/bin/setpriv"]));
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = [];
    private static readonly Lazy<Thread> Launcher = new(StartLauncher);

    /// <summary>Gets the setpriv that wraps the tools, or <see langword="null"/> when they start unwrapped.</summary>
    public static string? Wrapper => Setpriv.Value;

    /// <summary>Probes the wrapper now (once per process), so that the first <see cref="Start"/> does not wait for it.</summary>
    public static void Prepare() => _ = Setpriv.Value;

    /// <summary>Starts a process that dies with this one where the platform allows (see the type's remarks).</summary>
    /// <param name="info">What to start; its file name and arguments are moved behind the wrapper.</param>
    /// <returns>The started process (its id is the tool's: setpriv replaces itself with it).</returns>
    public static Process Start(ProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (Setpriv.Value is not { } setpriv)
        {
            return Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start.");
        }

        string[] arguments = ["--pdeathsig", "TERM", "--", info.FileName, .. info.ArgumentList];
        info.FileName = setpriv;
        info.ArgumentList.Clear();
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        _ = Launcher.Value;
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((info, started));
        return started.Task.GetAwaiter().GetResult();
    }

    private static Thread StartLauncher()
    {
        var thread = new Thread(() =>
        {
            foreach (var (info, started) in Requests.GetConsumingEnumerable())
            {
                try
                {
                    started.SetResult(Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start."));
                }
                catch (Exception ex)
                {
                    started.SetException(ex);
                }
            }
        })
        {
            IsBackground = true,
            Name = "DataGuard tool launcher",
        };
        thread.Start();
        return thread;
    }

    /// <summary>The first of <paramref name="candidates"/> that exists and knows <c>--pdeathsig</c>, or <see langword="null"/>.</summary>
    /// <param name="candidates">Absolute paths (the system's setpriv only: a relative or user-writable PATH entry must not decide what runs every pg tool).</param>
    /// <returns>The setpriv to wrap tools with.</returns>
    internal static string? FindSetpriv(IEnumerable<string> candidates)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        // util-linux before 2.33 has no --pdeathsig: probe it once. The probe needs no environment and is given none: the
        // host's holds secrets (PGPASSWORD, DataGuard__ connection strings and keys) that no child may inherit.
        try
        {
            var info = new ProcessStartInfo(path) { ArgumentList = { "--pdeathsig", "TERM", "--", path, "--version" }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.Environment.Clear();
            using var probe = Process.Start(info);
            if (probe is null)
            {
                return null;
            }

            probe.StandardOutput.ReadToEnd();
            probe.StandardError.ReadToEnd();
            return probe.WaitForExit(TimeSpan.FromSeconds(10)) && probe.ExitCode == 0 ? path : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return null;
        }
    }
}
