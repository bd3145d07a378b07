using Microsoft.EntityFrameworkCore;

namespace Shop.V1;

/// <summary>Release 1: one migration (CreateCustomers).</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Customer>(b =>
        {
            b.ToTable("customers");
            b.Property(c => c.Id).HasColumnName("id");
            b.Property(c => c.Name).HasColumnName("name").HasMaxLength(200);
        });
}
