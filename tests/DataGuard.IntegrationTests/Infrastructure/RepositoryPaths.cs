namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>Finds the checkout the tests run from, for scripts/ and .tools/.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootValue = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"DataGuard.sln not found above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootValue.Value;

    public static string ServicesScript => Path.Combine(Root, "scripts", "services.sh");

    /// <summary>Gets the launcher that starts s3rver with S3's write semantics (scripts/s3rver.js; its first argument is <see cref="S3rverScript"/>).</summary>
    public static string S3rverLauncher => Path.Combine(Root, "scripts", "s3rver.js");

    public static string S3rverScript => Path.Combine(Root, ".tools", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
}
