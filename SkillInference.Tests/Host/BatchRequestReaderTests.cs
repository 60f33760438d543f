using System.Text;
using SkillInference.Host.Endpoints;

namespace SkillInference.Tests.Host;

[TestClass]
public sealed class BatchRequestReaderTests
{
    private static byte[] Body(params string[] items) => Encoding.UTF8.GetBytes($"{{\"items\":[{string.Join(',', items)}]}}");

    /// <summary>What a request read says, item by item: skill, student, and the features as name=value (sorted).</summary>
    private static string[] Describe(BatchRequest request) => [.. Enumerable.Range(0, request.Count).Select(i =>
    {
        if (request.ItemGroup[i] < 0)
        {
            return "error: " + string.Join("; ", request.ItemErrors[i]!.Errors!.Keys);
        }

        var group = request.Groups[request.ItemGroup[i]];
        var rows = group.Rows;
        var row = request.ItemRow[i];
        var values = rows.Row(row).ToArray();
        var missing = rows.MissingOf(row).ToArray();
        var features = Enumerable.Range(0, rows.Width).Select(c => $"{rows.FeatureNames[c]}={(missing[c] ? "-" : values[c].ToString(System.Globalization.CultureInfo.InvariantCulture))}").Order(StringComparer.Ordinal);
        return $"{group.Skill}/{group.Explain}/{rows.StudentIdOf(row)}: {string.Join(",", features)}";
    })];

    [TestMethod]
    public void Read_OneReaderManyBodies_ReadsEachAsAFreshReaderWould()
    {
        byte[][] bodies =
        [
            Body("""{"skill":"a","features":{"x":1,"y":2}}""", """{"skill":"b","studentId":"s1","features":{"y":3,"z":null}}""", """{"skill":"a","features":{"x":4,"y":5}}"""),
            Body("""{"skill":"a","features":{"y":6,"x":7}}""", """{"features":{"x":1},"skill":"a","explain":true}""", """{"skill":"b","features":{"w":8}}"""),
            Body("""{"skill":"a","features":{"x":9}}""", """null""", """{"skill":"a","features":{"x":1,"y":2,"q":3}}"""),
            Body("""{"skill":"c","features":{}}""", """{"skill":"a","features":{"x":10,"y":11}}"""),
        ];
        var pooled = new BatchRequestReader(100, 10);

        foreach (var body in bodies.Concat(bodies.Reverse()))
        {
            var expected = Describe(new BatchRequestReader(100, 10).Read(body));
            CollectionAssert.AreEqual(expected, Describe(pooled.Read(body)));
        }
    }

    [TestMethod]
    public void Read_ADuplicateNameAfterNamesInAnotherOrder_IsRefusedNamingIt()
    {
        // The second item first sends y where the first sent x: the names are matched anew, and the repeated y is found.
        var body = Body("""{"skill":"a","features":{"x":1,"y":2,"z":3}}""", """{"skill":"a","features":{"x":1,"z":3,"z":4}}""");

        var error = Assert.ThrowsExactly<BatchFormatException>(() => new BatchRequestReader(100).Read(body));

        Assert.AreEqual("items[1].features.z", error.Field);
    }

    [TestMethod]
    public void Read_EscapedNamesAndSkills_MatchTheirPlainSpelling()
    {
        var body = Body("""{"skill":"a","features":{"x":1,"y":2}}""", """{"skill":"\u0061","features":{"\u0078":3,"y":4}}""");

        var request = new BatchRequestReader(100).Read(body);

        Assert.HasCount(1, request.Groups);
        Assert.AreEqual(2, request.Groups[0].Rows.Width);
        CollectionAssert.AreEqual(new[] { 1d, 2d, 3d, 4d }, request.Groups[0].Rows.Values[..4]);
    }

    [TestMethod]
    public void Read_ManyDistinctNamesOverRequests_KeepsTheInternedNamesBounded()
    {
        var reader = new BatchRequestReader(100);
        for (var r = 0; r < 10; r++)
        {
            var names = Enumerable.Range(0, 1000).Select(i => $"\"f{r}_{i}\":1");
            var request = reader.Read(Body("{\"skill\":\"a\",\"features\":{" + string.Join(',', names) + "}}"));
            Assert.AreEqual(1000, request.Groups[0].Rows.Width);
        }

        Assert.IsLessThanOrEqualTo(BatchRequestReader.MaxInternedNames + 1000, reader.InternedNames);
    }
}
