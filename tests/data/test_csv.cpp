// CSV: values, both tasks, and every error naming file, line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/data/csv.h"
#include "minidl/error.h"
#include "temp_dir.h"

using namespace minidl;
using namespace minidl::data;
using minidl::testing::TempDir;
using ::testing::HasSubstr;

namespace {

std::string csv_error(const std::string& content, const CsvOptions& options = {}) {
  TempDir dir;
  std::string path = dir.write("train.csv", content);
  try {
    read_csv(path, options);
  } catch (const DataError& e) {
    std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr(path));  // every error names the file
    return msg;
  }
  return "no error";
}

}  // namespace

TEST(Csv, ReadsFeaturesAndIntegerLabels) {
  TempDir dir;
  std::string path = dir.write("train.csv", "x, y ,label\n0.5,-1.25,1\n\n  2e-1 ,+3,0\r\n7,8,2.0\n");
  CsvTable t = read_csv(path);
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(t.target_names, (std::vector<std::string>{"label"}));
  const TensorDataset& d = t.dataset;
  ASSERT_EQ(d.inputs().shape(), (Shape{3, 2}));
  EXPECT_EQ(d.inputs().dtype(), kFloat32);
  EXPECT_EQ(d.inputs().to_vector(), (std::vector<double>{0.5, -1.25, 0.2f, 3, 7, 8}));
  EXPECT_EQ(d.labels().dtype(), kInt64);
  EXPECT_EQ(d.labels().to_vector(), (std::vector<double>{1, 0, 2}));
  EXPECT_EQ(d.num_classes(), 3);
  EXPECT_FALSE(d.targets().defined());
}

TEST(Csv, OneHotTargetsForClassification) {
  TempDir dir;
  CsvTable t = read_csv(dir.write("a.csv", "f,c\n1,1\n2,0\n"), {.targets = Targets::one_hot, .num_classes = 3});
  EXPECT_EQ(t.dataset.num_classes(), 3);
  EXPECT_EQ(t.dataset.targets().to_vector(), (std::vector<double>{0, 1, 0, 1, 0, 0}));
}

TEST(Csv, RegressionTakesTheLastTargetColumnsAsFloats) {
  TempDir dir;
  std::string path = dir.write("r.csv", "a;b;t1;t2\n1;2;0.5;-0.5\n3;4;1.5;2.5\n");
  CsvTable t = read_csv(path, {.task = Task::regression, .target_columns = 2, .delimiter = ';'});
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.target_names, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_FALSE(t.dataset.labels().defined());
  EXPECT_EQ(t.dataset.num_classes(), 0);
  EXPECT_EQ(t.dataset.inputs().to_vector(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(t.dataset.targets().to_vector(), (std::vector<double>{0.5, -0.5, 1.5, 2.5}));
}

TEST(Csv, ANonNumberNamesFileLineAndColumn) {
  // line 1 header, line 2 ok, line 3 blank (still counted), line 4 bad in column 3
  std::string msg = csv_error("x,y,label\n1,2,0\n\n1,2,abc\n");
  EXPECT_THAT(msg, HasSubstr("train.csv:4: column 3 ('label'): expected a number, got 'abc'"));
  EXPECT_THAT(csv_error("x,y,label\n1,,0\n"), HasSubstr("train.csv:2: column 2 ('y'): expected a number, got an empty field"));
  EXPECT_THAT(csv_error("x,y,label\n1,2x,0\n"), HasSubstr(":2: column 2 ('y'): expected a number, got '2x'"));
}

TEST(Csv, NanAndInfinityAreErrors) {
  EXPECT_THAT(csv_error("x,y,label\n1,nan,0\n"), HasSubstr(":2: column 2 ('y'): expected a finite number, got 'nan'"));
  EXPECT_THAT(csv_error("x,y,label\n-inf,1,0\n"), HasSubstr(":2: column 1 ('x'): expected a finite number, got '-inf'"));
  EXPECT_THAT(csv_error("x,y,label\n1e999,1,0\n"), HasSubstr(":2: column 1 ('x'): number out of range: '1e999'"));
}

TEST(Csv, WrongNumberOfColumnsIsAnError) {
  EXPECT_THAT(csv_error("x,y,label\n1,2,0\n1,2\n"), HasSubstr("train.csv:3: expected 3 columns as in the header, got 2"));
  EXPECT_THAT(csv_error("x,y,label\n1,2,0,4\n"), HasSubstr(":2: expected 3 columns as in the header, got 4"));
  EXPECT_THAT(csv_error("label\n1\n"), HasSubstr(":1: the header has 1 column(s); expected at least 2"));
}

TEST(Csv, BadClassLabelsNameTheirLine) {
  EXPECT_THAT(csv_error("x,label\n1,0\n2,1.5\n"),
              HasSubstr("train.csv:3: column 2 ('label'): expected an integer class label in [0, inf), got 1.5"));
  EXPECT_THAT(csv_error("x,label\n1,-1\n"), HasSubstr(":2: column 2 ('label'): expected an integer class label"));
  EXPECT_THAT(csv_error("x,label\n1,0\n1,5\n", {.num_classes = 3}),
              HasSubstr(":3: column 2 ('label'): expected an integer class label in [0, 3), got 5"));
}

// Issue 14, finding 5: a label of 99999999999 made 1e11 class names (2 GB and counting).
TEST(Csv, AHugeClassLabelIsAnErrorAtItsLine) {
  EXPECT_THAT(csv_error("x,label\n1,0\n2,99999999999\n3,1\n"),
              HasSubstr("train.csv:3: column 2 ('label'): class label 99999999999 would make more than 100000 classes"));
  TempDir dir;
  std::string train = dir.write("train.csv", "x,label\n1,0\n2,1\n");
  std::string test = dir.write("test.csv", "x,label\n1,0\n2,1\n3,100000\n");
  try {
    read_csv_splits(train, test);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("test.csv:4: column 2 ('label'): class label 100000"));
  }
}

TEST(Csv, EmptyMissingAndHeaderlessFiles) {
  EXPECT_THAT(csv_error(""), HasSubstr("empty file (expected a header row"));
  EXPECT_THAT(csv_error("\n\n"), HasSubstr("empty file"));
  EXPECT_THAT(csv_error("x,label\n"), HasSubstr("no examples after the header"));
  EXPECT_THAT(csv_error("1,2,0\n3,4,1\n"), HasSubstr(":1: the first line must be a header of column names, got '1,2,0'"));
  EXPECT_THAT(csv_error("x,,label\n1,2,0\n"), HasSubstr(":1: column 2 of the header has no name"));
  TempDir dir;  // issue 14: a folder said "empty file"
  try {
    read_csv(dir.dir());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir.dir() + ": is a folder, not a CSV file"));
  }
  try {
    read_csv("/nonexistent/dir/train.csv");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/dir/train.csv: cannot open: No such file or directory"));
  }
}

TEST(Csv, OptionErrors) {
  TempDir dir;
  std::string path = dir.write("a.csv", "x,y\n1,0\n");
  EXPECT_THROW(read_csv(path, {.task = Task::classification, .target_columns = 2}), ValueError);
  EXPECT_THROW(read_csv(path, {.task = Task::regression, .target_columns = 0}), ValueError);
  EXPECT_THROW(read_csv(path, {.task = Task::regression, .targets = Targets::one_hot}), ValueError);
  EXPECT_EQ(parse_task("regression"), Task::regression);
  EXPECT_THROW(parse_task("classify"), ValueError);
}

TEST(CsvSplits, ClassesAreCountedOverBothFilesAndHeadersMustMatch) {
  TempDir dir;
  std::string train = dir.write("train.csv", "x,label\n1,0\n2,1\n");
  std::string test = dir.write("test.csv", "x,label\n3,2\n");
  CsvSplits s = read_csv_splits(train, test, {.targets = Targets::one_hot});
  EXPECT_EQ(s.train.num_classes(), 3);
  EXPECT_EQ(s.test.num_classes(), 3);
  EXPECT_EQ(s.train.targets().shape(), (Shape{2, 3}));
  EXPECT_EQ(s.test.targets().to_vector(), (std::vector<double>{0, 0, 1}));
  std::string other = dir.write("other.csv", "z,label\n3,1\n");
  try {
    read_csv_splits(train, other);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("other.csv: header 'z,label' differs from"));
  }
}
