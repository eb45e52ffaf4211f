/* The item editor: Jodit on <textarea data-editor>, uploads, autosave, unsaved-change warning.
 *
 * Without JavaScript the page is a plain form whose textarea holds HTML; the server cleans whatever
 * arrives either way, so nothing here is a security boundary. Loaded with `defer`, no inline code
 * (the Content-Security-Policy forbids it).
 */
(function () {
  "use strict";

  var form = document.getElementById("item-form");
  if (!form) {
    return;
  }
  var token = form.querySelector("input[name=csrf_token]").value;
  var uploadUrl = form.getAttribute("data-upload-url");
  var autosaveUrl = form.getAttribute("data-autosave-url");
  var statusLine = form.querySelector("[data-editor-status]");
  var area = form.querySelector("textarea[data-editor]");
  var readonly = form.querySelector("fieldset[disabled]") !== null;
  var FILE_FIELDS = /^(cover_file|new_attachments|f_.*__file)$/;
  var AUTOSAVE_MS = 30000;
  var editor = null;
  var dirty = false;      // changed since the page was loaded or saved
  var unsaved = false;    // changed since the last autosave
  var submitting = false;

  function say(text) {
    if (statusLine) {
      statusLine.textContent = text;
    }
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  /* What to put in the body for an uploaded file: players for audio and video, a link for documents. */
  function htmlFor(upload) {
    var url = escapeHtml(upload.url);
    var name = escapeHtml(upload.name);
    if (upload.category === "image") {
      return '<img src="' + url + '" alt="' + name.replace(/\.[^.]+$/, "") + '">';
    }
    if (upload.category === "video") {
      return '<video src="' + url + '" controls preload="metadata"></video>';
    }
    if (upload.category === "audio") {
      return '<audio src="' + url + '" controls preload="metadata"></audio>';
    }
    return '<a class="attachment" href="' + url + '">' + name + "</a>";
  }

  function upload(files, kind) {
    var data = new FormData();
    Array.prototype.forEach.call(files, function (file) {
      data.append("files", file, file.name);
    });
    data.append("kind", kind);
    say("正在上传…");
    return fetch(uploadUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": token }
    }).then(function (response) {
      return response.json().catch(function () {
        throw new Error("上传失败（" + response.status + "）");
      });
    }).then(function (answer) {
      if (!answer.success) {
        throw new Error(answer.data.messages.join(" "));
      }
      say("上传完成");
      return answer.data.uploads;
    });
  }

  function choose(accept, multiple, kind, done) {
    var input = document.createElement("input");
    input.type = "file";
    input.accept = accept;
    input.multiple = multiple;
    input.addEventListener("change", function () {
      if (input.files.length) {
        upload(input.files, kind).then(done, function (error) {
          say(error.message);
          if (editor) {
            editor.message.error(error.message, 6000);
          }
        });
      }
    });
    input.click();
  }

  function insertUploads(uploads) {
    editor.s.insertHTML(uploads.map(htmlFor).join(""));
    markChanged();
  }

  /* Jodit aligns and sizes with style attributes, which the server drops: keep them as classes and attributes. */
  function portable(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    holder.content.querySelectorAll("[style]").forEach(function (node) {
      var align = node.style.textAlign;
      if (align === "left" || align === "center" || align === "right") {
        node.classList.add("align-" + align);
      }
      if (node.tagName === "IMG" && node.style.width && /px$/.test(node.style.width)) {
        node.setAttribute("width", parseInt(node.style.width, 10));
      }
    });
    holder.content.querySelectorAll("table").forEach(function (table) {
      table.classList.add("table-bordered");
    });
    return holder.innerHTML;
  }

  function syncBody() {
    if (editor) {
      area.value = portable(editor.value);
    }
  }

  function formData() {
    syncBody();
    var data = new FormData(form);
    Array.from(data.keys()).forEach(function (name) {
      if (FILE_FIELDS.test(name)) {
        data.delete(name);
      }
    });
    return data;
  }

  function markChanged() {
    dirty = true;
    unsaved = true;
  }

  function autosave() {
    if (!autosaveUrl || !unsaved || submitting) {
      return;
    }
    unsaved = false;
    fetch(autosaveUrl, { method: "POST", body: formData(), credentials: "same-origin" })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        say(answer.message || "");
      })
      .catch(function () {
        unsaved = true;
        say("自动保存失败，请及时手动保存");
      });
  }

  if (area && window.Jodit && !readonly) {
    editor = window.Jodit.make(area, {
      language: "zh_cn",
      height: 520,
      toolbarAdaptive: false,
      toolbarSticky: true,
      hidePoweredByJodit: true,
      showXPathInStatusbar: false,
      askBeforePasteFromWord: false,
      askBeforePasteHTML: false,
      defaultActionOnPasteFromWord: "insert_clear_html",
      defaultActionOnPaste: "insert_clear_html",
      beautifyHTML: false,        // would fetch js-beautify from a CDN
      sourceEditor: "area",       // not Ace, which would come from a CDN too
      enableDragAndDropFileToEditor: false,
      uploader: { insertImageAsBase64URI: false },
      cleanHTML: { denyTags: "script,style,iframe,object,embed,form,input" },
      controls: {
        paragraph: { list: { p: "Normal", h2: "Heading 2", h3: "Heading 3", h4: "Heading 4", blockquote: "Quote" } }
      },
      buttons: [
        "paragraph", "bold", "italic", "underline", "|", "ul", "ol", "align", "|", "table", "link", "|",
        {
          name: "uploadImage", icon: "image", tooltip: "上传图片",
          exec: function () { choose("image/png,image/jpeg,image/gif,image/webp", true, "image", insertUploads); }
        },
        {
          name: "uploadMedia", icon: "video", tooltip: "上传音频或视频",
          exec: function () { choose("audio/*,video/mp4,video/webm", false, "media", insertUploads); }
        },
        {
          name: "uploadFile", icon: "file", tooltip: "上传附件（插入正文链接）",
          exec: function () { choose("", true, "attachment", insertUploads); }
        },
        "|", "undo", "redo", "|", "source", "fullsize"
      ]
    });
    editor.events.on("change", markChanged);
    /* Files dropped or pasted into the text go through our uploader, never as data: URLs. */
    editor.events.on("beforePaste drop", function (event) {
      var transfer = event.clipboardData || event.dataTransfer;
      if (transfer && transfer.files && transfer.files.length) {
        upload(transfer.files, "attachment").then(insertUploads, function (error) {
          editor.message.error(error.message, 6000);
        });
        event.preventDefault();
        return false;
      }
      return undefined;
    });
  }

  form.addEventListener("input", markChanged);
  form.addEventListener("change", markChanged);
  form.addEventListener("submit", function () {
    syncBody();
    submitting = true;
  });
  if (!readonly && autosaveUrl) {
    window.setInterval(autosave, AUTOSAVE_MS);
  }
  window.addEventListener("pagehide", function () {
    if (autosaveUrl && unsaved && !submitting && navigator.sendBeacon) {
      navigator.sendBeacon(autosaveUrl, formData());
      unsaved = false;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting && !readonly) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}());
