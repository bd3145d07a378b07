using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DataGuard.Cli.Tests;

/// <summary>
/// The RID-specific tool packages (DataGuard.Cli.csproj, <c>ToolPackageRuntimeIdentifiers</c>): <c>dotnet tool install</c>
/// picks the package whose RID is nearest to the SDK's own in the SDK's RID graph. A self-contained package carries a
/// runtime built for one C library, so it must only be picked on its own RID: linux-musl-x64 (Alpine) imports linux-x64,
/// and a glibc runtime does not start there.
/// </summary>
public sealed partial class ToolPackageTests
{
    /// <summary>The RIDs Microsoft ships a .NET SDK for: where <c>dotnet tool install</c> can run.</summary>
    private static readonly string[] SdkHosts =
        ["linux-x64", "linux-musl-x64", "linux-arm64", "linux-musl-arm64", "linux-arm", "linux-musl-arm", "osx-x64", "osx-arm64", "win-x64", "win-x86", "win-arm64"];

    [Fact]
    public void Every_SDK_platform_installs_a_package_it_can_run()
    {
        var project = XDocument.Load(Path.Combine(RepositoryRoot(), "src", "DataGuard.Cli", "DataGuard.Cli.csproj"));
        var packages = project.Descendants("ToolPackageRuntimeIdentifiers").Single().Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var selfContained = project.Descendants("PropertyGroup")
            .Where(group => group.Elements("SelfContained").Any(e => e.Value.Trim() == "true"))
            .Select(group => RidCondition().Match((string?)group.Attribute("Condition") ?? string.Empty))
            .Where(match => match.Success)
            .Select(match => match.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(selfContained);
        var graph = RuntimeGraph();

        var wrong = SdkHosts
            .Select(host => (Host: host, Package: Best(graph, host, packages)))
            .Where(pick => pick.Package is not null && selfContained.Contains(pick.Package) && pick.Package != pick.Host)
            .Select(pick => $"{pick.Host} would install the self-contained {pick.Package} package")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    /// <summary>NuGet's choice (the SDK's tool installer calls it): the first available RID in a breadth-first walk of the imports.</summary>
    private static string? Best(Dictionary<string, string[]> graph, string rid, IReadOnlyCollection<string> available)
    {
        var queue = new Queue<string>([rid]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (queue.TryDequeue(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            if (available.Contains(next))
            {
                return next;
            }

            foreach (var imported in graph.GetValueOrDefault(next, []))
            {
                queue.Enqueue(imported);
            }
        }

        return null;
    }

    /// <summary>The RID graph of the SDK that runs these tests (sdk/&lt;version&gt;/PortableRuntimeIdentifierGraph.json next to the shared runtime).</summary>
    private static Dictionary<string, string[]> RuntimeGraph()
    {
        var dotnetRoot = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var file = Directory.EnumerateFiles(Path.Combine(dotnetRoot, "sdk"), "PortableRuntimeIdentifierGraph.json", SearchOption.AllDirectories)
            .OrderByDescending(path => path, StringComparer.Ordinal)
            .FirstOrDefault() ?? throw new FileNotFoundException($"No PortableRuntimeIdentifierGraph.json under {dotnetRoot}/sdk.");
        using var json = JsonDocument.Parse(File.ReadAllBytes(file));
        return json.RootElement.GetProperty("runtimes").EnumerateObject().ToDictionary(
            runtime => runtime.Name,
            runtime => runtime.Value.TryGetProperty("#import", out var imports) ? imports.EnumerateArray().Select(i => i.GetString()!).ToArray() : [],
            StringComparer.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DataGuard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No DataGuard.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>A property group's condition on one RID, alone or followed by further terms (<c>and ...</c>: the native and the ReadyToRun linux-x64 groups).</summary>
    [GeneratedRegex(@"^\s*'\$\(RuntimeIdentifier\)'\s*==\s*'([^']+)'(\s+and\s+.*)?\s*$")]
    private static partial Regex RidCondition();
}
