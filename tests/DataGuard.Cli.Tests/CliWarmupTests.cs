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
    public void The_warm_up_never_throws()
    {
        // It builds a data source for a host nobody listens on: building one makes no connection.
        var exception = Record.Exception(() => CliWarmup.Run(manifests: true));
        Assert.Null(exception);
    }

    [Fact]
    public void The_sample_manifest_round_trips_so_the_warm_up_does_the_real_work()
    {
        // Run swallows failures; this does not: a manifest member added as required must be added to the sample too.
        var sample = CliWarmup.SampleManifest();
        var parsed = DataGuard.Backup.ManifestSerializer.Deserialize(DataGuard.Backup.ManifestSerializer.Serialize(sample));
        Assert.Equal(sample.Id, parsed.Id);
        Assert.Equal(sample.Verification, parsed.Verification);
        Assert.Equal(sample.TableRowCounts, parsed.TableRowCounts);
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
