using System.CommandLine;
using DataGuard.Cli;

namespace DataGuard.Cli.Tests;

/// <summary>The start-up warm-up: which commands get one, and that it cannot fail a command.</summary>
public sealed class CliWarmupTests
{
    [Fact]
    public void Every_command_but_the_root_and_the_wal_commands_gets_a_warm_up()
    {
        var root = CliApplication.CreateRootCommand(TextWriter.Null, TextWriter.Null);
        Assert.False(CliWarmup.AppliesTo(root));
        var walCommands = 0;
        var warmed = 0;
        foreach (var (command, topLevel) in Descendants(root))
        {
            var applies = CliWarmup.AppliesTo(command);
            if (topLevel == "wal")
            {
                walCommands++;
                Assert.False(applies, $"wal command '{command.Name}' must not start a warm-up");
            }
            else
            {
                warmed++;
                Assert.True(applies, $"'{topLevel} ... {command.Name}' gets no warm-up");
            }
        }

        // The tree is the real one: wal fetch and push are in it, and so are the commands that connect.
        Assert.True(walCommands >= 3, $"{walCommands} wal commands found");
        Assert.True(warmed >= 30, $"{warmed} other commands found");
        Assert.True(CliWarmup.AppliesTo(Find(root, "export", "table")));
        Assert.True(CliWarmup.AppliesTo(Find(root, "backup", "run")));
        Assert.False(CliWarmup.AppliesTo(Find(root, "wal", "fetch")));
    }

    [Fact]
    public void Every_warm_up_step_completes()
    {
        // Run swallows each step's failure (a head start only); here every step must have run to its end, or the
        // warm-up silently stopped doing its work.
        Assert.Equal(["openssl", "npgsql", "manifest"], CliWarmup.Run(manifests: true));
        Assert.Equal(["openssl", "npgsql"], CliWarmup.Run(manifests: false));
    }

    [Fact]
    public void The_sample_manifest_goes_through_the_stored_manifests_codec_both_ways()
    {
        var (written, problem) = CliWarmup.RoundTrip(CliWarmup.SampleManifest());
        Assert.Null(problem);
        Assert.Contains("\"mac\"", System.Text.Encoding.UTF8.GetString(written), StringComparison.Ordinal);

        // The read back is the catalog's, with its checks: a manifest whose data lies outside its folder is refused.
        var outside = CliWarmup.SampleManifest() with { DataKey = "backups/another/data.dump.zst" };
        Assert.Contains("outside its folder", CliWarmup.RoundTrip(outside).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_commands_are_real_top_level_commands()
    {
        var root = CliApplication.CreateRootCommand(TextWriter.Null, TextWriter.Null);
        Assert.All(CliWarmup.ManifestCommands, name => Assert.Contains(root.Subcommands, c => c.Name == name));
    }

    [Theory]
    [InlineData("backup run", 2, true, true)]
    [InlineData("backup list", 4, true, true)]
    [InlineData("doctor", 2, true, true)]
    [InlineData("export table public.t --out x.csv", 2, true, false)]
    [InlineData("migrate status", 2, true, false)]
    [InlineData("backup run --help", 2, false, false)]
    [InlineData("backup run -h", 2, false, false)]
    [InlineData("export table -?", 2, false, false)]
    [InlineData("backup run", 1, false, false)]
    [InlineData("wal fetch 000000010000000000000001 pg_wal/RECOVERYXLOG", 2, false, false)]
    [InlineData("wal push pg_wal/000000010000000000000001", 2, false, false)]
    [InlineData("--version", 2, false, false)]
    public void The_plan_follows_the_parsed_command_line(string commandLine, int processors, bool start, bool manifests)
    {
        var root = CliApplication.CreateRootCommand(TextWriter.Null, TextWriter.Null);
        var parsed = root.Parse(commandLine.Split(' '));
        Assert.Equal((start, manifests), CliWarmup.Plan(parsed, processors));
    }

    [Fact]
    public void A_failed_type_initializer_is_described_by_its_innermost_cause()
    {
        var cause = new IOException("cannot read /etc/ssl/openssl.cnf");
        var nested = new TypeInitializationException("Outer.Type", new TypeInitializationException("Inner.Type", cause));
        Assert.Equal("IOException: cannot read /etc/ssl/openssl.cnf (initializing Inner.Type)", CliApplication.Describe(nested));
        Assert.Equal("IOException: cannot read /etc/ssl/openssl.cnf", CliApplication.Describe(cause));
    }

    private static Command Find(Command root, params string[] path) =>
        path.Aggregate(root, (command, name) => command.Subcommands.Single(c => c.Name == name));

    private static IEnumerable<(Command Command, string TopLevel)> Descendants(Command root)
    {
        foreach (var top in root.Subcommands)
        {
            var pending = new Stack<Command>([top]);
            while (pending.TryPop(out var command))
            {
                yield return (command, top.Name);
                foreach (var child in command.Subcommands)
                {
                    pending.Push(child);
                }
            }
        }
    }
}
