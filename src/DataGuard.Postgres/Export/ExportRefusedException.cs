namespace DataGuard.Postgres.Export;

/// <summary>A subject export refused by <c>DataGuard:Export:Strict</c>: probable links are neither declared nor silenced, so the export could be incomplete. Retrying does not help; the configuration must change.</summary>
internal sealed class ExportRefusedException : DataGuardException
{
    public ExportRefusedException(string message)
        : base(message)
    {
        Operation = "export";
    }

    /// <summary>Throws when <paramref name="options"/> are strict and <paramref name="map"/> has probable links.</summary>
    public static void ThrowIfIncomplete(SubjectDataMap map, ExportOptions options)
    {
        if (!options.Strict || map.ProbableLinks.Count == 0)
        {
            return;
        }

        var columns = string.Join(", ", map.ProbableLinks.Select(p => $"{p.Name} ({p.Column.Type})"));
        throw new ExportRefusedException(
            $"{ExportOptions.SectionPath}:Strict: the export of {map.Subject.QualifiedName}.{map.Key.Name} is refused because it could be incomplete: {map.ProbableLinks.Count} column(s) look like references to the subject but no foreign key or link connects them: {columns}. " +
            $"Declare each in {ExportOptions.SectionPath}:Links (or AddExportLink), or silence it in {ExportOptions.SectionPath}:Exclude; `dataguard export map` lists them.");
    }
}
