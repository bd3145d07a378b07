namespace Shop.Drifted;

/// <summary>A customer with an email that no migration adds.</summary>
public sealed class Customer
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public string? Email { get; set; }
}
