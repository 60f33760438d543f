using System.Globalization;
using System.Text;
using CsCheck;
using SkillInference.Batch;
using SkillInference.Batch.Relational;

namespace SkillInference.Tests.Batch;

/// <summary>The columnar parse of stored feature groups, without a database (the contract suite reads through both).</summary>
[TestClass]
public sealed class StudentFeatureBlockBuilderTests
{
    [TestMethod]
    public void Build_SerializedGroups_RoundTripsValuesAndMissing()
    {
        var features = new Dictionary<string, double?> { ["a"] = 0.1 + 0.2, ["b"] = null, ["c"] = -1e-300, ["d"] = double.NaN, ["e"] = double.PositiveInfinity };

        var block = Build(("S1", FeatureJson.Serialize(features), "{}"));

        Assert.IsNull(block.ReadErrors[0]);
        Assert.AreEqual(0.1 + 0.2, BlockCells.Of(block, 0, "a"), "doubles round-trip exactly");
        Assert.IsNull(BlockCells.Of(block, 0, "b"));
        Assert.AreEqual(-1e-300, BlockCells.Of(block, 0, "c"));
        Assert.IsNull(BlockCells.Of(block, 0, "d"), "NaN is stored as missing");
        Assert.IsNull(BlockCells.Of(block, 0, "e"), "infinity is stored as missing");
    }

    [TestMethod]
    [DataRow("[1, 2]", "the behavioral group is not a JSON object")]
    [DataRow("{\"x\": \"secret-value\"}", "the behavioral group feature 'x' is not a number or null")]
    [DataRow("{\"x\": 1", "the behavioral group is not valid JSON")]
    [DataRow("{\"x\": {\"y\": 1}}", "the behavioral group feature 'x' is not a number or null")]
    [DataRow("{\"x\": 1e400}", "the behavioral group feature 'x' is a number out of the range of a double")]
    [DataRow("{\"x\": 1, \"x\" 2}", "the behavioral group is not valid JSON")]
    public void Build_GroupNotAnObjectOfNumbers_FailsThatRowWithAReasonWithoutTheValue(string json, string reason)
    {
        var block = Build(("S1", "{\"a\": 1}", "{\"b\": 2}"), ("S2", "{\"a\": 3}", json), ("S3", "{\"a\": 5}", "{\"b\": 6}"));

        Assert.AreEqual(reason, block.ReadErrors[1]);
        Assert.DoesNotContain("secret-value", reason);
        Assert.IsNull(BlockCells.Of(block, 1, "a"), "a row that cannot be read has no values");
        Assert.IsNull(block.ReadErrors[0]);
        Assert.IsNull(block.ReadErrors[2]);
        Assert.AreEqual(2.0, BlockCells.Of(block, 0, "b"));
        Assert.AreEqual(5.0, BlockCells.Of(block, 2, "a"));
        Assert.AreEqual(6.0, BlockCells.Of(block, 2, "b"));
    }

    [TestMethod]
    [DataRow("{\"a\": 1}", "{\"a\": 2}")]
    [DataRow("{\"a\": null}", "{\"a\": 2}")]
    [DataRow("{\"a\": 1}", "{\"\\u0061\": null}")]
    public void Build_NameInBothGroups_FailsThatRow(string linguistic, string behavioral)
    {
        var block = Build(("S1", linguistic, behavioral), ("S2", "{\"a\": 3}", "{}"));

        Assert.AreEqual("the feature 'a' appears in both the linguistic and the behavioral group", block.ReadErrors[0]);
        Assert.IsNull(BlockCells.Of(block, 0, "a"));
        Assert.AreEqual(3.0, BlockCells.Of(block, 1, "a"), "the next row is unaffected");
    }

    [TestMethod]
    public void Build_NameTwiceInOneGroup_TakesTheLastValue()
    {
        var block = Build(("S1", "{\"a\": 1, \"a\": 2}", "{\"b\": 3, \"b\": null}"));

        Assert.IsNull(block.ReadErrors[0]);
        Assert.AreEqual(2.0, BlockCells.Of(block, 0, "a"));
        Assert.IsNull(BlockCells.Of(block, 0, "b"));
    }

    [TestMethod]
    public void Build_RowsWithDifferentNames_ColumnsAreTheUnionWithOneStringPerName()
    {
        var longName = new string('n', 300);
        var block = Build(("S1", "{\"a\": 1, \"b\": 2}", "{}"), ("S2", $"{{\"\\u0062\": 3, \"{longName}\": 4}}", "{\"c\": null}"), ("S3", "{}", "{\"a\": 5}"));

        CollectionAssert.AreEqual(new[] { "a", "b", longName, "c" }, block.Rows.FeatureNames.ToArray(), "escaped and long names are the same names");
        Assert.AreEqual(3, block.Count);
        Assert.AreEqual(4, block.Rows.Width);
        Assert.AreEqual(1.0, BlockCells.Of(block, 0, "a"));
        Assert.IsNull(BlockCells.Of(block, 0, longName));
        Assert.AreEqual(3.0, BlockCells.Of(block, 1, "b"));
        Assert.AreEqual(4.0, BlockCells.Of(block, 1, longName));
        Assert.IsNull(BlockCells.Of(block, 1, "c"));
        Assert.AreEqual(5.0, BlockCells.Of(block, 2, "a"), "a name may come from either group in different rows");
        CollectionAssert.AreEqual(new[] { "S1", "S2", "S3" }, Enumerable.Range(0, 3).Select(block.StudentIdOf).ToArray());
    }

    /// <summary>
    /// Rows of varying names and orders (names left out, repeated, escaped, in the other group) read as the dictionary
    /// parser reads each group on its own: the builder's shortcuts (the name expected next) never change a value.
    /// </summary>
    [TestMethod]
    public void Build_RowsOfRandomNamesAndOrders_EqualEachGroupParsedOnItsOwn()
    {
        string[] names = ["a", "bb", "sessions_per_week", "é", "\\u0061", "ccc", "a\\\"b", ""]; // as JSON text: \u0061 is "a"
        var value = Gen.Frequency((1, Gen.Const((double?)null)), (4, Gen.Double[-1e6, 1e6].Select(v => (double?)v)));
        var group = Gen.Select(Gen.Int[0, names.Length - 1], value).Array[0, 6]
            .Select(cells => "{" + string.Join(", ", cells.Select(c => $"\"{names[c.Item1]}\": {(c.Item2 is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "null")}")) + "}");
        Gen.Select(group, group).Array[1, 12].Sample(rows =>
        {
            var block = Build([.. rows.Select((r, i) => ($"S{i}", r.Item1, r.Item2))]);
            for (var row = 0; row < rows.Length; row++)
            {
                Assert.IsTrue(FeatureJson.TryParse(rows[row].Item1, out var linguistic, out _));
                Assert.IsTrue(FeatureJson.TryParse(rows[row].Item2, out var behavioral, out _));
                if (linguistic.Keys.Intersect(behavioral.Keys).Any())
                {
                    Assert.IsNotNull(block.ReadErrors[row]);
                    continue;
                }

                Assert.IsNull(block.ReadErrors[row]);
                var expected = linguistic.Concat(behavioral).ToDictionary();
                CollectionAssert.IsSubsetOf(expected.Keys.ToArray(), block.Rows.FeatureNames.ToArray());
                foreach (var name in block.Rows.FeatureNames)
                {
                    Assert.AreEqual(expected.GetValueOrDefault(name), BlockCells.Of(block, row, name), name);
                }
            }
        });
    }

    [TestMethod]
    public void Build_NoRows_IsAnEmptyBlock()
    {
        using var builder = new StudentFeatureBlockBuilder();

        var block = builder.Build();

        Assert.AreEqual(0, block.Count);
        Assert.AreEqual(0, block.Rows.Width);
    }

    private static StudentFeatureBlock Build(params (string Id, string Linguistic, string Behavioral)[] rows)
    {
        using var builder = new StudentFeatureBlockBuilder(1);
        foreach (var (id, linguistic, behavioral) in rows)
        {
            builder.Add(id, Encoding.UTF8.GetBytes(linguistic), Encoding.UTF8.GetBytes(behavioral), DateTimeOffset.UnixEpoch);
        }

        return builder.Build();
    }
}
