using System.Diagnostics;
using System.Globalization;
using DataGuard.IO;
using DataGuard.Postgres.Drills;

namespace DataGuard.Postgres.Tests.Drills;

/// <summary>
/// Property test of the physical drill sweep over generated drill roots: seeded mixes of what a root may hold (dead
/// drills' leftovers, running drills' directories, other hosts' drills, lock-less and hand-made directories, links to
/// data that must survive, orphan and junk lock files, names that only look generated, a postmaster.pid naming a live
/// process that is not a postmaster). Whatever the mix, the sweep removes exactly the dead drills' directories and
/// lock files, signals nobody, and leaves everything else as it was.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PhysicalDrillSweepPropertyTests : IDisposable
{
    private const string DeadToken = "b00000000s1";
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"dataguard-sweep-prop-{Guid.NewGuid():N}");
    private readonly List<IDisposable> _held = [];

    private enum Kind
    {
        Dead,
        DeadWithLivePid,
        Held,
        OwnerRunning,
        OtherHost,
        Lockless,
        LinkToPrecious,
        LockLinkToPrecious,
        NotGenerated,
        NewlineInName,
        JunkLock,
        OrphanLockDead,
        OrphanLockRunning,
    }

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 25)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task A_sweep_removes_exactly_the_dead_drills_leftovers_and_signals_nobody(int seed)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var random = new Random(seed);
        var root = Path.Combine(_root, seed.ToString(CultureInfo.InvariantCulture));
        var precious = Path.Combine(_root, $"precious-{seed}");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(precious);
        var preciousFile = Path.Combine(precious, "PG_VERSION");
        await File.WriteAllTextAsync(preciousFile, "15\n");
        using var bystander = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        try
        {
            var expectedGone = new List<string>();
            var kinds = Enumerable.Range(0, random.Next(3, 13)).Select(_ => (Kind)random.Next(Enum.GetValues<Kind>().Length)).ToList();
            var trace = new List<string>();
            foreach (var kind in kinds)
            {
                var directory = Path.Combine(root, GeneratedName(random));
                trace.Add($"{kind} {Path.GetFileName(directory)}");
                switch (kind)
                {
                    case Kind.Dead:
                        MakeCopy(directory, random);
                        await File.WriteAllTextAsync(directory + ".lock", Owner(DeadToken));
                        expectedGone.AddRange([directory, directory + ".lock"]);
                        break;
                    case Kind.DeadWithLivePid:
                        MakeCopy(directory, random);
                        await File.WriteAllTextAsync(Path.Combine(directory, "postmaster.pid"), $"{bystander.Id}\n{directory}\n1767225600\n5432\n/tmp\n127.0.0.1\n  5432001    123\nready   \n");
                        await File.WriteAllTextAsync(directory + ".lock", Owner(DeadToken));
                        expectedGone.AddRange([directory, directory + ".lock"]);
                        break;
                    case Kind.Held:
                        MakeCopy(directory, random);
                        await File.WriteAllTextAsync(directory + ".lock", Owner(DeadToken));
                        _held.Add(new FileStream(directory + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None));
                        break;
                    case Kind.OwnerRunning:
                        MakeCopy(directory, random);
                        await File.WriteAllTextAsync(directory + ".lock", PhysicalDrillOwnership.OwnerText(bystander.Id, ProcessIdentity.TokenOf(bystander.Id)!));
                        break;
                    case Kind.OtherHost:
                        MakeCopy(directory, random);
                        await File.WriteAllTextAsync(directory + ".lock", PhysicalDrillOwnership.OwnerText(4242, "h0badc0den1" + DeadToken));
                        break;
                    case Kind.Lockless:
                        MakeCopy(directory, random);
                        break;
                    case Kind.LinkToPrecious:
                        File.CreateSymbolicLink(directory, precious);
                        await File.WriteAllTextAsync(directory + ".lock", Owner(DeadToken));
                        break;
                    case Kind.LockLinkToPrecious:
                        MakeCopy(directory, random);
                        File.CreateSymbolicLink(directory + ".lock", preciousFile);
                        break;
                    case Kind.NotGenerated:
                        directory = Path.Combine(root, random.Next(3) switch { 0 => "dataguard-drill-keep", 1 => GeneratedName(random).ToUpperInvariant().Replace("DATAGUARD-DRILL", "dataguard-drill", StringComparison.Ordinal), _ => GeneratedName(random) + "x" });
                        if (Directory.Exists(directory))
                        {
                            continue;
                        }

                        MakeCopy(directory, random);
                        await File.WriteAllTextAsync(directory + ".lock", Owner(DeadToken));
                        break;
                    case Kind.NewlineInName:
                        directory += "\n";
                        MakeCopy(directory, random);
                        await File.WriteAllTextAsync(directory + ".lock", Owner(DeadToken));
                        break;
                    case Kind.JunkLock:
                        MakeCopy(directory, random);
                        var junk = new byte[random.Next(0, 4096)];
                        random.NextBytes(junk);
                        await File.WriteAllBytesAsync(directory + ".lock", junk);
                        break;
                    case Kind.OrphanLockDead:
                        await File.WriteAllTextAsync(directory + ".lock", Owner(DeadToken));
                        expectedGone.Add(directory + ".lock");
                        break;
                    case Kind.OrphanLockRunning:
                        await File.WriteAllTextAsync(directory + ".lock", PhysicalDrillOwnership.OwnerText(bystander.Id, ProcessIdentity.TokenOf(bystander.Id)!));
                        break;
                }
            }

            var before = Entries(root);
            var own = Path.Combine(root, GeneratedName(random));
            var sweep = await PhysicalDrillOwnership.SweepAsync(root, own, () => Task.FromResult("/usr/lib/postgresql/15/bin/pg_ctl"));

            var after = Entries(root);
            var context = $"seed {seed}: {string.Join("; ", trace)}; removed [{string.Join(", ", sweep.Removed)}], failed [{string.Join(", ", sweep.Failed)}], left alone [{string.Join(", ", sweep.LeftAlone)}]";
            Assert.True(sweep.Failed.Count == 0, context);
            var kept = before.Where(e => !expectedGone.Any(gone => e == gone || e.StartsWith(gone + "/", StringComparison.Ordinal)));
            Assert.True(kept.SequenceEqual(after, StringComparer.Ordinal), $"expected left [{string.Join(", ", kept.Except(after))}] gone, [{string.Join(", ", after.Except(kept))}] not removed; {context}");
            Assert.Equal(expectedGone.Count(e => !e.EndsWith(".lock", StringComparison.Ordinal)), sweep.Removed.Count);
            Assert.False(bystander.HasExited, $"the process a postmaster.pid named (not a postmaster) was signalled; {context}");
            Assert.Equal("15\n", await File.ReadAllTextAsync(preciousFile));
            Assert.Single(Directory.EnumerateFileSystemEntries(precious));
        }
        finally
        {
            bystander.Kill();
            foreach (var held in _held)
            {
                held.Dispose();
            }

            _held.Clear();
        }
    }

    public void Dispose()
    {
        foreach (var held in _held)
        {
            held.Dispose();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>A lock file naming a drill process of this host that does not run (pid 4242 with a start time nobody has).</summary>
    private static string Owner(string tail) => PhysicalDrillOwnership.OwnerText(4242, ProcessIdentity.HostPrefix + tail);

    private static string GeneratedName(Random random) =>
        string.Create(CultureInfo.InvariantCulture, $"dataguard-drill-{random.Next(2020, 2030)}{random.Next(1, 13):00}{random.Next(1, 29):00}T{random.Next(24):00}{random.Next(60):00}{random.Next(60):00}Z-drill-{random.Next(1 << 24):x6}");

    /// <summary>A scratch copy's shape: a few nested folders and files.</summary>
    private static void MakeCopy(string directory, Random random)
    {
        Directory.CreateDirectory(Path.Combine(directory, "base", "1"));
        Directory.CreateDirectory(Path.Combine(directory, "pg_wal"));
        for (var i = 0; i < random.Next(1, 5); i++)
        {
            File.WriteAllText(Path.Combine(directory, "base", "1", i.ToString(CultureInfo.InvariantCulture)), new string('x', random.Next(0, 100)));
        }
    }

    private static List<string> Entries(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal)
            .ToList();
}
