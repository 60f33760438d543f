using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
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

    private static readonly Gen<string> Space = Gen.Frequency((8, (IGen<string>)Gen.Const("")), (2, Gen.OneOf(" ", "\n", "\t\r\n  ")));

    private static readonly Gen<string> Name = Gen.Frequency(
        (40, (IGen<string>)Gen.OneOf("x", "y", "z", "w", "question_rate", "é_rate")),
        (1, Gen.OneOf("\\u0078", "a\\\"b", "", "x\\n", "\u0001")));

    private static readonly Gen<string> Value = Gen.Frequency(
        (30, (IGen<string>)Gen.Double[-1e6, 1e6].Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (10, Gen.Int[-1000, 1000].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (20, Gen.Select(Gen.Double[-1e5, 1e5], Gen.Int[0, 12]).Select((d, decimals) => Math.Round(d, decimals).ToString("0.############", CultureInfo.InvariantCulture))),
        (3, Gen.OneOf("123456789012345", "12345678901234.5", "1234567890123456", "0.12345678901234", "0.123456789012345", "-0.000000000000001", "-0.0", "9007199254740993", "0.1", "-0.3", "1e-7", "7.0E1", "5E")),
        (5, Gen.OneOf("null", "-0", "0", "1E5", "2.5e-3", "-7.25E+2")),
        (1, Gen.OneOf("null", "-0", "0", "1E5", "2.5e-3", "1e400", "01", "1.", ".5", "+1", "1e", "-", "NaN", "true", "\"3\"", "nul", "[1]", "{}")),
        // What a general number parser accepts and JSON does not, or reads only in part.
        (1, Gen.OneOf("1.e5", "-01", "-.5", "+.5", "1.5.3", "1e5.3", "1e+", "-inf", "Infinity", "infinity", "nan", "0x10", "1_0", "00", "-00.5", "1E05", "0.0e-0", "123456789012345678901234567890", "4.9e-324", "1.7976931348623157e309")));

    private static readonly Gen<string> Features = Gen.Select(Gen.Select(Name, Space, Value, Space).Array[0, 6], Gen.Int[0, 9])
        .Select((kvs, repeat) => "{" + string.Join(',', (repeat == 0 ? kvs : kvs.DistinctBy(kv => kv.Item1)).Select(kv => $"{kv.Item2}\"{kv.Item1}\"{kv.Item2}:{kv.Item4}{kv.Item3}")) + "}");

    private static readonly Gen<string> Member = Gen.Frequency(
        (1, (IGen<string>)Gen.OneOf("a", "b", "collaboration").Select(k => $"\"skill\":\"{k}\"")),
        (1, Features.Select(f => "\"features\":" + f)),
        (12, Gen.OneOf("S1", "S-2", "é", "").Select(id => $"\"studentId\":\"{id}\"")),
        (8, Gen.OneOf("true", "false", "1").Select(e => $"\"explain\":{e}")),
        (1, Gen.OneOf("\"skill\":null", "\"skill\":\"\\u0061\"", "\"skill\":\" \"", "\"features\":null", "\"studentId\":null", "\"other\":{\"x\":[1,2]}", "\"studentId\":7")));

    private static readonly Gen<string> Item = Gen.Frequency(
        (12, (IGen<string>)Gen.Select(Gen.OneOf("a", "b", "collaboration"), Features, Member.Array[0, 1], Gen.Bool, Space)
            .Select((skill, features, extra, skillLast, space) =>
            {
                var members = new List<string> { $"\"skill\":{space}\"{skill}\"", "\"features\":" + features };
                if (skillLast)
                {
                    members.Reverse();
                }

                members.AddRange(extra);
                return "{" + space + string.Join("," + space, members) + "}";
            })),
        (1, Gen.OneOf("null", "{}", "[]", "1", "\"item\"", "{\"skill\":\"a\"}")));

    private static readonly Gen<string> Bodies = Gen.Select(Item.Array[0, 6], Space, Gen.Frequency((10, (IGen<string>)Gen.Const("")), (1, Gen.OneOf(" x", ",", "}", "\"tail\"")))).Select((items, space, tail) =>
        space + "{" + space + "\"items\"" + space + ":" + space + "[" + string.Join("," + space, items) + "]" + space + "}" + space + tail);

    /// <summary>What reading a body gives: the items as <see cref="Describe"/> says, or the error's type, field and message.</summary>
    private static string Outcome(BatchRequestReader reader, byte[] body, bool fastPath)
    {
        try
        {
            return string.Join("\n", Describe(reader.Read(body, fastPath)));
        }
        catch (Exception ex) when (ex is BatchFormatException or BatchTooLargeException)
        {
            return $"{ex.GetType().Name} {(ex as BatchFormatException)?.Field} {ex.Message}";
        }
    }

    [TestMethod]
    public void Read_GeneratedBodies_TheFastPathAgreesWithTheFullReader()
    {
        var fast = new BatchRequestReader(10, 3);
        var full = new BatchRequestReader(10, 3);
        var agreedOnItems = 0;
        var readFast = 0;

        Bodies.Sample(text =>
        {
            var body = Encoding.UTF8.GetBytes(text);
            var expected = Outcome(full, body, fastPath: false);
            Assert.AreEqual(expected, Outcome(fast, body, fastPath: true), text);
            agreedOnItems += expected.StartsWith("Batch", StringComparison.Ordinal) ? 0 : 1;
            readFast += fast.ReadFast ? 1 : 0;
        }, iter: 4_000, threads: 1);

        Assert.IsGreaterThan(500, readFast, "the fast path reads the common shape");
        Assert.IsGreaterThan(1_000, agreedOnItems, "enough generated bodies are read without an error");
    }

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
    [DataRow("1.")]
    [DataRow("01")]
    [DataRow("-01.5")]
    [DataRow("-")]
    [DataRow("+1")]
    [DataRow(".5")]
    [DataRow("1.e5")]
    [DataRow("1e")]
    [DataRow("1.5.3")]
    [DataRow("12345678901234567")]
    [DataRow("-0.1234567890123456789")]
    [DataRow("0.30000000000000004")]
    [DataRow("-0")]
    [DataRow("1E-7")]
    public void Read_ANumberAtTheEdgeOfJsonsGrammar_TheFastPathAgreesWithTheFullReader(string value)
    {
        var body = Body($$$"""{"skill":"a","features":{"x":1.25,"y":{{{value}}}}}""");

        Assert.AreEqual(Outcome(new BatchRequestReader(10, 3), body, fastPath: false), Outcome(new BatchRequestReader(10, 3), body, fastPath: true));
    }

    [TestMethod]
    public void Read_ANameThatNeedsAnEscape_IsNotMatchedUnescapedInALaterBody()
    {
        // The fast path compares the name it expects next with the body's bytes; a name with an escape ("x\n" is x and
        // a line feed) must not match the raw bytes of a later body, where a bare line feed in a string is not JSON.
        var reader = new BatchRequestReader(100, 10);
        var learned = Describe(reader.Read(Body("""{"skill":"a","features":{"x\n":1,"y":2}}""", """{"skill":"a","features":{"x\n":3,"y":4}}""")));
        Assert.HasCount(2, learned);

        var ex = Assert.ThrowsExactly<BatchFormatException>(() => reader.Read(Body("{\"skill\":\"a\",\"features\":{\"x\n\":5,\"y\":6}}")));
        StringAssert.Contains(ex.Message, "JSON");
    }

    [TestMethod]
    public void Read_TheContractsCommonShape_IsReadOnTheFastPath()
    {
        var reader = new BatchRequestReader(100, 10);

        reader.Read(Body("""{"skill":"a","studentId":"S1","features":{"x":1.5,"y":null,"z":-2E3}}""", """{"features":{"y":3},"skill":"b","explain":true}"""));

        Assert.IsTrue(reader.ReadFast);
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
