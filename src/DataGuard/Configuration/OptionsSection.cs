namespace DataGuard.Configuration;

/// <summary>A configuration section bound to an options type (registered by <c>AddDataGuardOptions</c>), so that configuration keys no option reads can be found.</summary>
/// <param name="Path">The section's path, such as <c>DataGuard:Backup</c>.</param>
/// <param name="OptionsType">The options type bound from it.</param>
internal sealed record OptionsSection(string Path, Type OptionsType);
