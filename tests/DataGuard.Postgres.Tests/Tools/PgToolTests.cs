using DataGuard.Postgres;
using DataGuard.Postgres.Tools;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Postgres;

public class PgToolTests
{
    [Theory]
    [InlineData("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", 15, 18)]
    [InlineData("pg_restore (PostgreSQL) 17.2", 17, 2)]
    [InlineData("pg_dump (PostgreSQL) 18beta1", 18, 0)]
    [InlineData("pg_dump (PostgreSQL) 9.6.24", 9, 6)]
    public void Parses_tool_versions(string output, int major, int minor) =>
        Assert.Equal(new Version(major, minor), PgToolLocator.ParseVersion(output));

    [Fact]
    public void Returns_null_for_text_without_a_version() => Assert.Null(PgToolLocator.ParseVersion("command not found"));

    [Fact]
    public void A_tool_older_than_the_server_is_incompatible_and_both_versions_are_named()
    {
        var tool = new PgTool("pg_dump", "/opt/pg14/bin/pg_dump", new Version(14, 9));
        var problem = tool.IncompatibilityWith(new Version(16, 2));
        Assert.NotNull(problem);
        Assert.Contains("pg_dump 14.9", problem);
        Assert.Contains("PostgreSQL 16.2", problem);
    }

    [Theory]
    [InlineData(15, 15)]
    [InlineData(17, 15)]
    public void A_tool_of_the_same_or_newer_major_is_compatible(int toolMajor, int serverMajor) =>
        Assert.Null(new PgTool("pg_dump", "/x", new Version(toolMajor, 0)).IncompatibilityWith(new Version(serverMajor, 4)));
}

public sealed class PgToolLocatorProbeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-pgtools-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Each_file_is_asked_once_and_Debians_wrapper_not_at_all_when_a_versioned_copy_answered()
    {
        var log = Path.Combine(_root, "calls.log");
        FakeTool(Path.Combine(_root, "lib", "13", "bin", "pg_dump"), "13.4", log, "v13");
        FakeTool(Path.Combine(_root, "lib", "15", "bin", "pg_dump"), "15.2", log, "v15");
        var wrapper = FakeTool(Path.Combine(_root, "share", "pg_wrapper"), "15.2", log, "wrapper");
        var usrBin = Directory.CreateDirectory(Path.Combine(_root, "usr-bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(usrBin, "pg_dump"), wrapper);
        var bin = Path.Combine(_root, "bin");
        Directory.CreateSymbolicLink(bin, usrBin); // like /bin -> usr/bin

        var locator = new PgToolLocator(Options.Create(new PostgresOptions()), Path.Combine(_root, "lib"), wrapper, () => $"{usrBin}:{bin}");
        var tool = await locator.FindAsync("pg_dump");

        Assert.Equal(new Version(15, 2), tool.Version);
        Assert.Equal(Path.Combine(_root, "lib", "15", "bin", "pg_dump"), tool.Path);
        Assert.Equal(["v13", "v15"], File.ReadAllLines(log).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_wrapper_is_asked_once_when_no_versioned_copy_exists()
    {
        var log = Path.Combine(_root, "calls.log");
        var wrapper = FakeTool(Path.Combine(_root, "share", "pg_wrapper"), "16.1", log, "wrapper");
        var usrBin = Directory.CreateDirectory(Path.Combine(_root, "usr-bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(usrBin, "pg_dump"), wrapper);
        var bin = Path.Combine(_root, "bin");
        Directory.CreateSymbolicLink(bin, usrBin);

        var locator = new PgToolLocator(Options.Create(new PostgresOptions()), Path.Combine(_root, "no-such-lib"), wrapper, () => $"{usrBin}:{bin}");
        var tool = await locator.FindAsync("pg_dump");

        Assert.Equal(new Version(16, 1), tool.Version);
        Assert.Equal(["wrapper"], File.ReadAllLines(log));
    }

    [Fact]
    public async Task A_lookup_started_before_the_connection_gives_the_same_tool_and_the_same_refusals()
    {
        var log = Path.Combine(_root, "calls.log");
        FakeTool(Path.Combine(_root, "lib", "14", "bin", "pg_dump"), "14.9", log, "v14");
        var locator = new PgToolLocator(Options.Create(new PostgresOptions()), Path.Combine(_root, "lib"), Path.Combine(_root, "none"), () => null);

        Assert.Equal(new Version(14, 9), (await locator.Start("pg_dump").ForServerAsync(new Version(14, 2))).Version);
        var tooOld = await Assert.ThrowsAsync<PgToolNotFoundException>(() => locator.Start("pg_dump").ForServerAsync(new Version(16, 1)));
        Assert.Contains("pg_dump 14.9", tooOld.Message);
        var missing = await Assert.ThrowsAsync<PgToolNotFoundException>(() => locator.Start("pg_restore").ForServerAsync(new Version(14, 2)));
        Assert.Contains("pg_restore was not found", missing.Message);
    }

    [Fact]
    public async Task A_failed_lookup_nobody_awaits_is_observed()
    {
        // A backup whose connection fails never awaits its lookup: the lookup's own failure must not surface later as
        // an unobserved task exception (which a host may treat as fatal).
        var unobserved = new List<AggregateException>();
        EventHandler<UnobservedTaskExceptionEventArgs> handler = (_, e) => { lock (unobserved) { unobserved.Add(e.Exception); } };
        TaskScheduler.UnobservedTaskException += handler;
        try
        {
            var locator = new PgToolLocator(Options.Create(new PostgresOptions()), Path.Combine(_root, "no-lib"), Path.Combine(_root, "none"), () => null);
            StartAndDrop(locator);
            await Task.Delay(200);
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= handler;
        }

        Assert.DoesNotContain(unobserved, e => e.InnerExceptions.Any(i => i is PgToolNotFoundException));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void StartAndDrop(PgToolLocator locator) => _ = locator.Start("pg_dump");

    private static string FakeTool(string path, string version, string log, string label)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"#!/bin/sh\necho {label} >> '{log}'\necho 'pg_dump (PostgreSQL) {version}'\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
