namespace DataGuard.Migrations;

/// <summary>The migrations read from a source, by version, and the files that were ignored.</summary>
/// <param name="Migrations">The migrations, ascending by version.</param>
/// <param name="Warnings">Files ignored, and why.</param>
public sealed record MigrationSet(IReadOnlyList<Migration> Migrations, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// Reads a migrations directory (not recursive): golang-migrate pairs (<c>{version}_{title}.up.sql</c> /
    /// <c>.down.sql</c>) and dbmate single files (<c>{version}_{title}.sql</c> with <c>-- migrate:up</c> and
    /// <c>-- migrate:down</c> sections). Directives: <c>-- dataguard:no-transaction</c> and <c>-- dataguard:irreversible</c>.
    /// </summary>
    /// <param name="path">The directory.</param>
    /// <returns>The migrations and the ignored files.</returns>
    /// <exception cref="MigrationSourceException">The directory is missing, or two ups for one version, a down without an up, or a bad version.</exception>
    public static MigrationSet FromDirectory(string path) => MigrationDirectory.Read(path);

    /// <summary>Reads migrations embedded in an assembly: every manifest resource whose name starts with <paramref name="prefix"/>.</summary>
    /// <param name="assembly">The assembly.</param>
    /// <param name="prefix">The resource name prefix, such as <c>MyApp.Migrations.</c>; the rest of the name is the file name.</param>
    /// <returns>The migrations and the ignored resources.</returns>
    /// <exception cref="MigrationSourceException">Two ups for one version, a down without an up, or a bad version.</exception>
    public static MigrationSet FromEmbeddedResources(System.Reflection.Assembly assembly, string prefix) => MigrationDirectory.ReadEmbedded(assembly, prefix);

    /// <summary>Parses named files, as a directory's would be (for generated migrations and tests).</summary>
    /// <param name="files">File names and their text.</param>
    /// <returns>The migrations and the ignored files.</returns>
    /// <exception cref="MigrationSourceException">Two ups for one version, a down without an up, or a bad version.</exception>
    public static MigrationSet Parse(IEnumerable<(string Name, string Text)> files) => MigrationDirectory.Parse(files);
}
