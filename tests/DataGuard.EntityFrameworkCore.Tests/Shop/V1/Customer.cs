namespace Shop.V1;

/// <summary>Release 1 of the shop: customers with a name.</summary>
public sealed class Customer
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;
}
