namespace DataGuard.Configuration;

/// <summary>A configuration section bound to an options type (registered by <c>AddDataGuardOptions</c>), so that configuration keys no option reads can be found.</summary>
/// <param name="Path">The section's path, such as <c>DataGuard:Backup</c>.</param>
/// <param name="Shape">The options type bound from it, with its properties.</param>
internal sealed record OptionsSection(string Path, OptionsShape Shape)
{
    /// <summary>Gets the options type bound from the section.</summary>
    public Type OptionsType => Shape.Type;
}
