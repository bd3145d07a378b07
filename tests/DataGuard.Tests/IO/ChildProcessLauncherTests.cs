using System.Collections;
using DataGuard.IO;

namespace DataGuard.Tests.IO;

/// <summary>The probe of setpriv (ChildProcessLauncher), which backups now start while their connection opens.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ChildProcessLauncherTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dataguard-setpriv-probe-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_setpriv_probe_inherits_nothing_from_the_process_environment()
    {
        // Every other child gets the environment without DataGuard's secrets (PgConnectionEnvironment.RemoveSecrets); the
        // probe, which runs `setpriv --version`, needs none of it: it must not be handed PGPASSWORD, a DataGuard__
        // connection string or key, or anything else the host holds. (The process's own variables are not changed
        // here: other tests read them in parallel.)
        var environment = Path.Combine(_root, "environment");
        var fake = Path.Combine(_root, "setpriv");
        File.WriteAllText(fake, $"#!/bin/sh\n/usr/bin/env >> '{environment}'\nexit 0\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(fake, ChildProcessLauncher.FindSetpriv([Path.Combine(_root, "missing"), fake]));

        var inherited = File.ReadAllLines(environment).Select(line => line.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        var ours = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(e => (string)e.Key)
            .Where(name => name is not ("PWD" or "OLDPWD" or "SHLVL" or "_"));
        var leaked = ours.Where(inherited.Contains).ToList();
        Assert.True(leaked.Count == 0, $"the probe inherited: {string.Join(", ", leaked)}");
    }
}
