using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Shop.V2.Migrations;

/// <inheritdoc />
public partial class AddCustomerEmail : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(
            name: "email",
            table: "customers",
            type: "text",
            nullable: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(
            name: "email",
            table: "customers");
    }
}
