/// One record of a CSV file: its fields and the 1-based line it starts on.
struct CSVRecord: Equatable {
    let line: Int
    let fields: [String]
}

/// Parses the CSV file `bytes` (UTF-8) per RFC 4180: comma-separated fields, a field in
/// double quotes may hold commas, line breaks and `""` for a quote; lines end in LF or CRLF.
/// A leading byte order mark and blank lines are skipped. Errors name `file` and the line.
func parseCSV(_ bytes: [UInt8], file: String) throws -> [CSVRecord] {
    let (quote, comma, lf, cr): (UInt8, UInt8, UInt8, UInt8) = (0x22, 0x2C, 0x0A, 0x0D)
    var records: [CSVRecord] = []
    var fields: [String] = [], field: [UInt8] = []
    var line = 1, recordLine = 1
    var inQuotes = false, wasQuoted = false, afterQuote = false

    func endField() throws {
        guard let text = String(validating: field, as: UTF8.self) else {
            throw DatasetError.csv(file: file, line: line, reason: "not UTF-8 text")
        }
        fields.append(text)
        field = []; wasQuoted = false; afterQuote = false
    }
    func endRecord() throws {
        try endField()
        if !(fields.count == 1 && fields[0].isEmpty) { records.append(CSVRecord(line: recordLine, fields: fields)) }
        fields = []
    }

    var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while i < bytes.count {
        let c = bytes[i]
        if inQuotes {
            if c == quote {
                if i + 1 < bytes.count && bytes[i + 1] == quote {
                    field.append(quote); i += 1
                } else {
                    inQuotes = false; afterQuote = true
                }
            } else {
                if c == lf { line += 1 }
                field.append(c)
            }
        } else if c == comma {
            try endField()
        } else if c == lf || (c == cr && i + 1 < bytes.count && bytes[i + 1] == lf) {
            if c == cr { i += 1 }
            try endRecord()
            line += 1
            recordLine = line
        } else if afterQuote {
            throw DatasetError.csv(file: file, line: line, reason: "unexpected '\(Unicode.Scalar(c))' after a closing quote")
        } else if c == quote {
            guard field.isEmpty, !wasQuoted else {
                throw DatasetError.csv(file: file, line: line, reason: "a quote inside an unquoted field; quote the whole field and double the quote")
            }
            inQuotes = true; wasQuoted = true
        } else {
            field.append(c)
        }
        i += 1
    }
    if inQuotes { throw DatasetError.csv(file: file, line: recordLine, reason: "a quoted field is never closed") }
    try endRecord()
    return records
}
