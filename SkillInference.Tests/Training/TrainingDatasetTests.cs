using System.Security.Cryptography;
using System.Text;
using SkillInference.Tests.Infrastructure;
using SkillInference.Training;

namespace SkillInference.Tests.Training;

[TestClass]
public sealed class TrainingDatasetTests
{
    [TestMethod]
    public void ParseCsv_ValidData_ReadsColumnsByNameWithEmptyCellsAsNaN()
    {
        var csv = "student_id,alpha,beta\nS1,1.5,\nS2,-2e-3,7\n"u8;

        var dataset = TrainingDataset.ParseCsv(csv);

        Assert.AreEqual(2, dataset.RowCount);
        CollectionAssert.AreEqual(new[] { "S1", "S2" }, dataset.StudentIds.ToArray());
        CollectionAssert.AreEquivalent(new[] { "alpha", "beta" }, dataset.Columns.ToArray());
        CollectionAssert.AreEqual(new[] { 1.5, -0.002 }, dataset.Column("alpha"));
        CollectionAssert.AreEqual(new[] { double.NaN, 7.0 }, dataset.Column("beta"));
    }

    [TestMethod]
    public void ParseCsv_BomBlankLinesAndSpaces_AreTolerated()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat("student_id, alpha \n\nS1, 3 \n"u8.ToArray()).ToArray();

        var dataset = TrainingDataset.ParseCsv(bytes);

        Assert.IsTrue(dataset.HasColumn("alpha"));
        CollectionAssert.AreEqual(new[] { 3.0 }, dataset.Column("alpha"));
        CollectionAssert.AreEqual(new[] { "S1" }, dataset.StudentIds.ToArray());
    }

    [TestMethod]
    public void ParseCsv_NoStudentIdColumn_NumbersRows()
    {
        var dataset = TrainingDataset.ParseCsv("alpha\n1\n2\n3\n"u8);

        CollectionAssert.AreEqual(new[] { "1", "2", "3" }, dataset.StudentIds.ToArray());
    }

    [TestMethod]
    [DataRow("abc")]
    [DataRow("1;5")]
    [DataRow("0x10")]
    [DataRow("NaN")]
    [DataRow("Infinity")]
    [DataRow("1e999")]
    public void ParseCsv_BadCell_ThrowsFormatExceptionNamingLineAndColumn(string cell)
    {
        var csv = Encoding.UTF8.GetBytes($"student_id,alpha,beta\nS1,1,2\nS2,3,{cell}\n");

        var ex = Assert.ThrowsExactly<FormatException>(() => TrainingDataset.ParseCsv(csv));

        Assert.Contains("Line 3", ex.Message);
        Assert.Contains("'beta'", ex.Message);
    }

    [TestMethod]
    [DataRow("S2,3", 2, DisplayName = "too few cells")]
    [DataRow("S2,3,4,5", 4, DisplayName = "too many cells")]
    public void ParseCsv_RaggedRow_ThrowsFormatExceptionNamingLine(string row, int cells)
    {
        var csv = Encoding.UTF8.GetBytes($"student_id,alpha,beta\nS1,1,2\n{row}\n");

        var ex = Assert.ThrowsExactly<FormatException>(() => TrainingDataset.ParseCsv(csv));

        Assert.Contains($"Line 3 has {cells} cells", ex.Message);
        Assert.Contains("header has 3", ex.Message);
    }

    [TestMethod]
    public void ParseCsv_EmptyInput_ThrowsFormatException()
    {
        Assert.ThrowsExactly<FormatException>(() => TrainingDataset.ParseCsv([]));
    }

    [TestMethod]
    public void Sha256_AnyInput_IsSha256OfTheBytes()
    {
        var bytes = "student_id,alpha\nS1,1\nS2,2\n"u8.ToArray();
        var expected = Convert.ToHexStringLower(SHA256.HashData(bytes));

        var dataset = TrainingDataset.ParseCsv(bytes);

        Assert.AreEqual(expected, dataset.Sha256);
    }

    [TestMethod]
    public void Sha256_OneByteDifferent_Differs()
    {
        var a = TrainingDataset.ParseCsv("student_id,alpha\nS1,1\n"u8);
        var b = TrainingDataset.ParseCsv("student_id,alpha\nS1,2\n"u8);

        Assert.AreNotEqual(a.Sha256, b.Sha256);
    }

    [TestMethod]
    public async Task LoadCsvAsync_File_EqualsParsingItsBytes()
    {
        var path = Path.Combine(TempDirectory.Create("csv"), "data.csv");
        var bytes = "student_id,alpha\nS1,0.25\n"u8.ToArray();
        await File.WriteAllBytesAsync(path, bytes);

        var dataset = await TrainingDataset.LoadCsvAsync(path);

        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), dataset.Sha256);
        CollectionAssert.AreEqual(new[] { 0.25 }, dataset.Column("alpha"));
    }

    [TestMethod]
    public void Column_Unknown_ThrowsKeyNotFoundNamingIt()
    {
        var dataset = TrainingDataset.ParseCsv("student_id,alpha\nS1,1\n"u8);

        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => dataset.Column("gamma"));

        Assert.Contains("'gamma'", ex.Message);
        Assert.IsFalse(dataset.HasColumn("student_id"));
    }
}
