namespace Shop.V2;

/// <summary>Release 2 of the shop: customers gain an email.</summary>
public sealed class Customer
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public string? Email { get; set; }
}
