namespace DataGuard.Samples.EfCore;

/// <summary>A customer of the shop.</summary>
public sealed class Customer
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public string? Email { get; set; }
}
