using System.Diagnostics;
using System.Runtime.InteropServices;
using DataGuard.IO;
using DataGuard.Postgres.Drills;

namespace DataGuard.Tests.Postgres.Drills;

/// <summary>
/// Review (rev44) of the physical drill sweep (<see cref="PhysicalDrillOwnership"/>): leftovers that are never removed,
/// and leftovers that stop every later drill. No PostgreSQL needed: the sweep only looks at files and /proc.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PhysicalDrillOwnershipReviewTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"dg-rev44-{Guid.NewGuid():N}");

    public PhysicalDrillOwnershipReviewTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// DataGuard running as a user other than root (or as root in a container without CAP_SYS_PTRACE, Docker's default):
    /// after a reboot, the PID in a killed drill's postmaster.pid belongs to another user's process (here PID 1). Its
    /// /proc/&lt;pid&gt;/cwd cannot be read, the sweep says "cannot be told" and keeps the directory; the leftovers check
    /// fails, in every later drill, for as long as that process runs (a system daemon: until the next reboot). A process
    /// of another user than the data directory's owner can never be its postmaster (PostgreSQL refuses to start on a
    /// data directory it does not own).
    /// </summary>
    [Fact]
    public async Task A_leftover_whose_postmaster_pid_is_another_users_process_after_a_reboot_is_removed_not_failed_forever()
    {
        if (Environment.UserName != "root" || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return;   // needs root (to act as another user on one thread) on x86-64
        }

        const int nobody = 65534;
        var leftover = Path.Combine(_root, "dataguard-drill-20260101T000000Z-drill-9c9c9c");
        Directory.CreateDirectory(leftover);
        await File.WriteAllTextAsync(Path.Combine(leftover, "PG_VERSION"), "17\n");
        await File.WriteAllTextAsync(Path.Combine(leftover, "postmaster.pid"), $"1\n{leftover}\n1767225600\n5432\n/tmp\n127.0.0.1\n  5432001    123\nready   \n");
        await File.WriteAllTextAsync(leftover + ".lock", PhysicalDrillOwnership.OwnerText(4242, ProcessIdentity.HostPrefix + "b00000000s1"));
        foreach (var path in new[] { _root, leftover, Path.Combine(leftover, "PG_VERSION"), Path.Combine(leftover, "postmaster.pid"), leftover + ".lock" })
        {
            Assert.Equal(0, Chown(path, nobody, nobody));
        }

        // The sweep, as DataGuard running as 'nobody' would do it: on one thread whose effective uid is nobody's (a raw
        // setresuid changes the calling thread only; its effective capabilities go with it).
        var sweep = RunAs(nobody, () => PhysicalDrillOwnership.SweepAsync(_root, Path.Combine(_root, "dataguard-drill-20260102T000000Z-drill-000000"), PgCtl).GetAwaiter().GetResult());

        Assert.True(sweep.Failed.Count == 0, $"the leftover is kept and the check fails: {string.Join("; ", sweep.Failed)}");
        Assert.False(Directory.Exists(leftover));
    }

    /// <summary>
    /// The host runs scheduled drills in one long-lived process. A drill whose clean-up failed (pg_ctl stop failed, a file
    /// could not be deleted) keeps its directory and lock file, lets its lock go, and names this very process, which
    /// still runs: every later drill of the process takes the lock, sees its owner "running", and skips it without a
    /// word, until the host restarts. No drill of this process holds that lock, so none owns the directory.
    /// </summary>
    [Fact]
    public async Task A_leftover_of_a_finished_drill_of_this_same_process_is_removed_or_at_least_reported()
    {
        var leftover = Path.Combine(_root, "dataguard-drill-20260101T000000Z-drill-5a5a5a");
        Directory.CreateDirectory(leftover);
        await File.WriteAllTextAsync(Path.Combine(leftover, "PG_VERSION"), "17\n");
        await File.WriteAllTextAsync(leftover + ".lock", PhysicalDrillOwnership.OwnerText(Environment.ProcessId, ProcessIdentity.CurrentToken));

        var sweep = await PhysicalDrillOwnership.SweepAsync(_root, Path.Combine(_root, "dataguard-drill-20260102T000000Z-drill-000000"), PgCtl);

        Assert.True(
            sweep.Removed.Concat(sweep.Failed).Concat(sweep.LeftAlone).Any(d => d.StartsWith(leftover, StringComparison.Ordinal)),
            "a full copy of the cluster stays on disk and no report ever names it");
    }

    /// <summary>
    /// postmaster.pid is read whatever it is; the lock file is checked to be a regular file, postmaster.pid is not. When
    /// DataGuard runs as root the data directory is the server user's, who can make postmaster.pid a FIFO (or a link to
    /// /dev/zero): the sweep blocks in File.ReadAllBytes and every later drill hangs before its restore.
    /// </summary>
    [Fact]
    public async Task A_leftover_whose_postmaster_pid_is_a_fifo_does_not_hang_the_sweep()
    {
        var leftover = Path.Combine(_root, "dataguard-drill-20260101T000000Z-drill-6b6b6b");
        Directory.CreateDirectory(leftover);
        var fifo = Path.Combine(leftover, "postmaster.pid");
        Assert.Equal(0, MkFifo(fifo, 0b110_000_000));
        await File.WriteAllTextAsync(leftover + ".lock", PhysicalDrillOwnership.OwnerText(4242, ProcessIdentity.HostPrefix + "b00000000s1"));

        var sweep = Task.Run(() => PhysicalDrillOwnership.SweepAsync(_root, Path.Combine(_root, "dataguard-drill-20260102T000000Z-drill-000000"), PgCtl));
        var finished = await Task.WhenAny(sweep, Task.Delay(TimeSpan.FromSeconds(15))) == sweep;
        if (!finished)
        {
            // Lets the blocked reader go (opening the FIFO for writing), so that the test host is not left with it.
            await using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }

            await Task.WhenAny(sweep, Task.Delay(TimeSpan.FromSeconds(5)));
        }

        Assert.True(finished, "the sweep is still reading postmaster.pid (a FIFO) after 15 s");
    }

    private static Task<string> PgCtl() => Task.FromResult("/usr/lib/postgresql/15/bin/pg_ctl");

    private static T RunAs<T>(int uid, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            if (SetResUid(117, -1, uid, -1) != 0)
            {
                error = new InvalidOperationException($"setresuid failed (errno {Marshal.GetLastWin32Error()})");
                return;
            }

            try
            {
                result = action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                // Back to root before the thread ends (a thread of the runtime's is never left as another user).
                Trace.Assert(SetResUid(117, -1, 0, -1) == 0);
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result : throw new InvalidOperationException("the sweep threw", error);
    }

#pragma warning disable SYSLIB1054, CA5392, CA2101 // test-only P/Invoke (LibraryImport would need unsafe code here)
    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long SetResUid(long number, long ruid, long euid, long suid);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown(string path, int uid, int gid);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(string path, int mode);
#pragma warning restore SYSLIB1054, CA5392, CA2101
}
