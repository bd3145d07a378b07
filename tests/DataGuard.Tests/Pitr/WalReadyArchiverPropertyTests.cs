using System.Diagnostics;
using System.Globalization;
using DataGuard.IO;
using DataGuard.Pitr;
using DataGuard.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.Tests.Pitr;

/// <summary>
/// Look-ahead archiving over generated histories of a pg_wal: segments and a history file written, rewritten in place
/// or replaced under the same name (another inode, the same size or not), deleted, marked ready again, records of
/// earlier versions planted, files rewritten while the archiver pushes them, archiver passes and archive_command runs
/// in any order. The invariant: the command exits 0 only when the archive holds exactly the bytes the file has now
/// (PostgreSQL then forgets the file), and once the archiver caught up it does exit 0 for every such file. Seeded: DATAGUARD_LOOKAHEAD_SEED runs one seed ("17") or a range ("1-500");
/// the failing history is printed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WalReadyArchiverPropertyTests
{
    private static readonly string[] Names = ["000000010000000000000001", "000000010000000000000002", "000000010000000000000003", "00000002.history"];

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        if (Environment.GetEnvironmentVariable("DATAGUARD_LOOKAHEAD_SEED") is { } only)
        {
            // One seed ("17") or a range for a longer search ("1-500").
            var bounds = only.Split('-').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
            for (var seed = bounds[0]; seed <= bounds[^1]; seed++)
            {
                data.Add(seed);
            }

            return data;
        }

        foreach (var seed in new[] { 1, 2, 3, 4, 5, 6, 7, 8 })
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task The_command_accepts_a_file_only_when_the_archive_holds_its_current_bytes(int seed)
    {
        var root = Directory.CreateTempSubdirectory("dataguard-ready-prop-").FullName;
        var history = new List<string>();
        try
        {
            await RunAsync(seed, root, history);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed} failed after: {string.Join(" | ", history.TakeLast(25))}{Environment.NewLine}{ex}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task RunAsync(int seed, string root, List<string> history)
    {
        var random = new Random(seed);
        var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        var wal = Directory.CreateDirectory(Path.Combine(data, "pg_wal")).FullName;
        var status = Directory.CreateDirectory(Path.Combine(wal, "archive_status")).FullName;
        var records = Directory.CreateDirectory(Path.Combine(root, "records")).FullName;
        var archive = LocalWalArchive.Create(Path.Combine(root, "archive"));
        var archiver = new WalReadyArchiver(archive, NullLogger<WalReadyArchiver>.Instance, TimeProvider.System);
        var command = WalReadyArchiver.ArchiveCommand(records, TimeSpan.FromSeconds(1));
        var versions = new List<(string Name, string Version)>();   // every version each name had: planted as stale records
        var accepted = 0;

        // Review rev47: a second stream of choices (so that each seed's history is otherwise the one it was): some
        // rewrites in place keep the size and the modification time, as a write within the same timestamp tick does on a
        // filesystem with coarse timestamps (kernels before 6.13; ext2, NFS, FUSE on any kernel).
        var coarse = new Random(seed * 7919);

        for (var step = 0; step < 60; step++)
        {
            var name = Names[random.Next(Names.Length)];
            var file = Path.Combine(wal, name);
            var ready = Path.Combine(status, name + ".ready");
            switch (random.Next(8))
            {
                case 0 or 1:
                {
                    // A new version under this name, marked ready: in place (same inode) or replaced (new inode, as a
                    // recycled segment or an earlier cluster's file), often the same size as before.
                    var replace = random.Next(2) == 0;
                    var content = Content(random);
                    var sameTick = !replace && File.Exists(file) && coarse.Next(3) == 0;
                    if (sameTick)
                    {
                        content = await SameTickRewriteAsync(file, coarse);
                    }
                    else
                    {
                        await WriteAsync(file, content, replace);
                    }

                    File.Delete(Path.Combine(status, name + ".done"));
                    await File.WriteAllBytesAsync(ready, []);
                    versions.Add((name, NativeStat.VersionOf(file)!.Value.ToString()));
                    history.Add($"{step}: write {name} {content.Length} bytes{(replace ? " (new inode)" : sameTick ? " (in place, same tick: size and mtime kept)" : " (in place)")}");
                    break;
                }

                case 2:
                {
                    // The archiver pushes what is ready, sometimes while this file is rewritten in place.
                    var rewrite = random.Next(3) == 0 && File.Exists(file);
                    var delay = random.Next(0, 4);
                    var sameTick = rewrite && coarse.Next(2) == 0;
                    var pass = archiver.RunOnceAsync(data, records, parallelism: 1 + random.Next(3));
                    if (rewrite)
                    {
                        await Task.Delay(delay);
                        var content = Content(random);
                        if (sameTick)
                        {
                            await SameTickRewriteAsync(file, coarse);
                        }
                        else
                        {
                            await WriteAsync(file, content, replace: false);
                        }

                        versions.Add((name, NativeStat.VersionOf(file)!.Value.ToString()));
                    }

                    var (pushed, failed) = await pass;
                    history.Add($"{step}: archiver pushed {pushed}, failed {failed}{(rewrite ? $", {name} rewritten after {delay} ms{(sameTick ? " (same tick: size and mtime kept)" : string.Empty)}" : string.Empty)}");
                    break;
                }

                case 3 or 4 or 5:
                {
                    // PostgreSQL runs archive_command on a ready file; exit 0 means it forgets the file.
                    if (!File.Exists(ready) || !File.Exists(file))
                    {
                        break;
                    }

                    File.Delete(Path.Combine(records, WalReadyArchiver.HeartbeatName));   // a failure ends at once instead of waiting
                    var code = await ShellAsync(data, WalSpoolCommandTests.PostgresExpand(command, Path.Combine("pg_wal", name), name));
                    history.Add($"{step}: archive_command {name} exited {code}");
                    if (code == 0)
                    {
                        Assert.True(await FetchedEqualsAsync(archive, name, Path.Combine(root, "fetched"), file), $"archive_command accepted {name} but the archive holds other bytes");
                        File.Move(ready, Path.Combine(status, name + ".done"), overwrite: true);
                        accepted++;
                    }

                    break;
                }

                case 6:
                {
                    // A record of an earlier version under this name (a stale record, an earlier cluster's).
                    // Never the current version: that record is the archiver's alone to write (the folder is its own).
                    var now = File.Exists(file) ? NativeStat.VersionOf(file)?.ToString() : null;
                    var earlier = versions.Where(v => v.Name == name && v.Version != now).Select(v => v.Version).ToList();
                    var planted = earlier.Count > 0 && random.Next(4) > 0 ? earlier[random.Next(earlier.Count)] : $"{random.Next(1, 99999)} 1700000000.{random.Next(999999999):D9} {random.Next(1, 64)}";
                    await File.WriteAllTextAsync(Path.Combine(records, name + WalReadyArchiver.RecordSuffix), planted + "\n");
                    history.Add($"{step}: planted record {name} '{planted}' (now '{now ?? "no file"}')");
                    break;
                }

                default:
                {
                    // The segment is removed (recycled, or archived and checkpointed away).
                    File.Delete(file);
                    File.Delete(ready);
                    history.Add($"{step}: removed {name}");
                    break;
                }
            }
        }

        // Then the archiver catches up, and the command accepts exactly the ready files the archive holds as they are
        // now (the others it refuses: their name was archived with other bytes).
        await archiver.RunOnceAsync(data, records);
        foreach (var name in Names)
        {
            var file = Path.Combine(wal, name);
            if (!File.Exists(Path.Combine(status, name + ".ready")) || !File.Exists(file))
            {
                continue;
            }

            File.Delete(Path.Combine(records, WalReadyArchiver.HeartbeatName));
            var code = await ShellAsync(data, WalSpoolCommandTests.PostgresExpand(command, Path.Combine("pg_wal", name), name));
            var fetched = Path.Combine(root, "fetched");
            var held = await archive.ContainsAsync(name) && await FetchedEqualsAsync(archive, name, fetched, file);
            history.Add($"settled: archive_command {name} exited {code}, archive holds its bytes: {held}");
            Assert.Equal(held ? 0 : 1, code);
            accepted += held ? 1 : 0;
        }

        Console.WriteLine($"seed {seed}: {accepted} accepted");
    }

    private static async Task<bool> FetchedEqualsAsync(WalArchive archive, string name, string fetched, string file)
    {
        await archive.FetchAsync(name, fetched);
        var current = await File.ReadAllBytesAsync(file);
        var stored = await File.ReadAllBytesAsync(fetched);
        File.Delete(fetched);
        return current.AsSpan().SequenceEqual(stored);
    }

    private static byte[] Content(Random random)
    {
        // Three sizes only, so that two versions often have the same size (as every WAL segment has).
        var content = new byte[(1 + random.Next(3)) * 64];
        random.NextBytes(content);
        return content;
    }

    private static async Task WriteAsync(string file, byte[] content, bool replace)
    {
        if (replace)
        {
            var temporary = file + ".new";
            await File.WriteAllBytesAsync(temporary, content);
            File.Move(temporary, file, overwrite: true);
        }
        else
        {
            await using var stream = new FileStream(file, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
            stream.SetLength(0);
            await stream.WriteAsync(content);
        }
    }

    /// <summary>
    /// Rewrites the file in place with other bytes of its size and puts its modification time back to the nanosecond:
    /// what a second write within one timestamp tick leaves on a filesystem with coarse timestamps.
    /// </summary>
    private static async Task<byte[]> SameTickRewriteAsync(string file, Random coarse)
    {
        var before = NativeStat.VersionOf(file)!.Value;
        var content = new byte[(long)before.Size];
        coarse.NextBytes(content);
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            await stream.WriteAsync(content);
        }

        using var touch = Process.Start("touch", ["-m", "-d", string.Create(CultureInfo.InvariantCulture, $"@{before.ModifiedSeconds}.{before.ModifiedNanoseconds:D9}"), file])!;
        await touch.WaitForExitAsync();
        Assert.Equal(0, touch.ExitCode);
        return content;
    }

    private static async Task<int> ShellAsync(string directory, string command) => (await Shell.RunAsync(directory, command)).Code;
}
