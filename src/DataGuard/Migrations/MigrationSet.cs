namespace DataGuard.Migrations;

/// <summary>The migrations read from a source, by version, and the files that were ignored.</summary>
/// <param name="Migrations">The migrations, ascending by version.</param>
/// <param name="Warnings">Files ignored, and why.</param>
public sealed record MigrationSet(IReadOnlyList<Migration> Migrations, IReadOnlyList<string> Warnings);
