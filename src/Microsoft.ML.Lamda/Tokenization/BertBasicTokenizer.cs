using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>
/// BERT's basic tokenization, as Hugging Face's <c>BertNormalizer</c> + <c>BertPreTokenizer</c> do it: drop control
/// characters, map whitespace to spaces, optionally lower-case and strip accents (NFD, then drop non-spacing marks), and
/// put spaces around CJK ideographs and punctuation. Returns the words joined by spaces, ready for WordPiece.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BertTokenizer differs from Hugging Face here (it drops emoji instead of mapping them to
/// the unknown token, and does not treat tabs and line breaks as spaces), hence this port.
/// </remarks>
internal sealed class BertBasicTokenizer(bool lowerCase, bool stripAccents, bool splitChineseCharacters)
{
    public string Split(string text)
    {
        if (lowerCase) text = text.ToLowerInvariant();
        if (stripAccents) text = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(text.Length + text.Length / 4);
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            int code = rune.Value;
            if (code < 128)
            {
                char c = (char)code;
                if (c is ' ' or '\t' or '\n' or '\r') builder.Append(' ');
                else if (code == 0 || char.IsControl(c)) continue;
                else if (IsAsciiPunctuation(code)) builder.Append(' ').Append(c).Append(' ');
                else builder.Append(c);
                continue;
            }
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.SpaceSeparator) { builder.Append(' '); continue; }
            if (code == 0xFFFD || IsOther(category)) continue;
            if (stripAccents && category == UnicodeCategory.NonSpacingMark) continue;
            int length = rune.EncodeToUtf16(utf16);
            bool isolate = IsPunctuation(category) || (splitChineseCharacters && IsChineseCharacter(code));
            if (isolate) builder.Append(' ');
            builder.Append(utf16[..length]);
            if (isolate) builder.Append(' ');
        }
        return builder.ToString();
    }

    private static bool IsAsciiPunctuation(int code) => code is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126;

    private static bool IsOther(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    private static bool IsPunctuation(UnicodeCategory category) => category is UnicodeCategory.ConnectorPunctuation
        or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
        or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>The CJK Unified Ideographs blocks that BERT splits into single-character words.</summary>
    private static bool IsChineseCharacter(int code) => code is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF
        or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
        or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
