using Microsoft.EntityFrameworkCore;

namespace Shop.NoTransaction;

/// <summary>Release 1 plus a migration EF runs outside a transaction.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<V1.Customer> Customers => Set<V1.Customer>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<V1.Customer>(b =>
        {
            b.ToTable("customers");
            b.Property(c => c.Id).HasColumnName("id");
            b.Property(c => c.Name).HasColumnName("name").HasMaxLength(200);
        });
}
