namespace DataGuard.Export;

/// <summary>A value that is JSON already (a json or jsonb column): formats that can embed it do so instead of quoting it.</summary>
/// <param name="Json">The JSON text.</param>
public readonly record struct JsonText(string Json)
{
    /// <inheritdoc />
    public override string ToString() => Json;
}
