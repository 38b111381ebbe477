import XCTest
@testable import GraftHub

final class ContentRangeTests: XCTestCase {
    func testParsing() {
        let range = ContentRange("bytes 100-199/200")
        XCTAssertEqual(range?.first, 100)
        XCTAssertEqual(range?.last, 199)
        XCTAssertEqual(range?.total, 200)
        XCTAssertEqual(ContentRange("bytes */5000")?.total, 5000)
        XCTAssertNil(ContentRange("bytes */5000")?.first)
        XCTAssertNil(ContentRange("bytes 0-99/*")?.total)
        for bad in ["", "bytes", "items 0-1/2", "bytes 5-4/10", "bytes 0-10/10", "bytes -1-5/10", "bytes 0-5",
                    "bytes 0-9223372036854775807/*", "bytes 0-99999999999999999999/*", "bytes 0-1/-3", "bytes +1-5/10", "bytes 1-5/"] {
            XCTAssertNil(ContentRange(bad), bad)
        }
    }
}
