namespace DataGuard.Migrations;

/// <summary>One finding of <c>migrate check</c>.</summary>
/// <param name="Severity"><c>error</c> (it will fail or cannot be planned), <c>warning</c> (it runs, but not as safely as it looks), or <c>note</c> (how it will run).</param>
/// <param name="File">The file.</param>
/// <param name="Line">The line in the file, when the finding is about a statement.</param>
/// <param name="Message">What, and why it matters.</param>
internal sealed record MigrationLintFinding(string Severity, string File, int? Line, string Message);
